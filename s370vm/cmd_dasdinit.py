"""``s370vm dasdinit FILE TYPE VOLSER [CYLINDERS]``: create a labelled CKD volume.

The image is what Hercules' ``dasdinit`` writes (uncompressed CKD_P370): every track
formatted with home address and record zero, and on cylinder 0 head 0 the IPL records
and a standard VOL1 label with the given serial, which IBCDASDI checks against its
VOLID control statement before it initialises the volume.

Size: by default the whole pack, primary *and* alternate-track cylinders (3330: 404 + 7,
3350: 555 + 5), which is what Hercules' ``dasdinit -a`` writes. IBCDASDI seeks to the
alternate cylinders, so a volume it is to initialise needs them; Hercules' plain
default (primary cylinders only) is ``--primary``. Either file mounts on Hercules.
"""
from __future__ import annotations

import argparse
import json


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("dasdinit", help="create a formatted, labelled CKD DASD image (Hercules format)")
    p.add_argument("file", help="image file to create")
    p.add_argument("type", help="device type: 3330, 3330-11 or 3350")
    p.add_argument("volser", help="volume serial, 1-6 characters")
    p.add_argument("cylinders", nargs="?", type=int, default=None,
                   help="cylinder count (default: primary and alternate cylinders)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("-a", "--alternates", action="store_true",
                      help="primary and alternate-track cylinders, as Hercules' -a (the default)")
    size.add_argument("--primary", action="store_true",
                      help="primary cylinders only (Hercules' dasdinit without -a)")
    p.add_argument("--replace", action="store_true", help="overwrite FILE if it exists")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def run(args) -> int:
    from s370.devices.ckd import create_image, geometry
    geom = geometry(args.type)
    if args.cylinders is not None:
        cyls = args.cylinders
    else:
        cyls = geom.cylinders + (0 if args.primary else geom.alt_cylinders)
    size = create_image(args.file, geom, args.volser, cyls, replace=args.replace)
    info = {"file": args.file, "type": geom.name, "volser": args.volser.upper(), "cylinders": cyls,
            "heads": geom.heads, "track_size": geom.track_size, "bytes": size}
    if args.json:
        print(json.dumps(info))
    else:
        print(f"{args.file}: {geom.name} volume {info['volser']}, {cyls} cylinders x "
              f"{geom.heads} heads, {geom.track_size}-byte tracks, {size:,} bytes")
    return 0
