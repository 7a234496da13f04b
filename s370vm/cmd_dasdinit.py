"""``s370vm dasdinit [-a] FILE TYPE VOLSER [CYLINDERS]``: create a labelled CKD volume.

The image is what Hercules' ``dasdinit`` writes (uncompressed CKD_P370): every track
formatted with home address and record zero, and on cylinder 0 head 0 the IPL records
and a standard VOL1 label with the given serial, which IBCDASDI checks against its
VOLID control statement before it initialises the volume. ``-a`` adds the alternate-
track cylinders (3330: 7, 3350: 5), as Hercules' ``-a`` does: IBCDASDI seeks to them,
so a volume it is to initialise needs them.
"""
from __future__ import annotations

import argparse
import json

from s370.devices.ckd import create_image, geometry


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("dasdinit", help="create a formatted, labelled CKD DASD image (Hercules format)")
    p.add_argument("file", help="image file to create")
    p.add_argument("type", help="device type: 3330, 3330-11 or 3350")
    p.add_argument("volser", help="volume serial, 1-6 characters")
    p.add_argument("cylinders", nargs="?", type=int, default=None,
                   help="cylinder count (default: the primary cylinders of the device)")
    p.add_argument("-a", "--alternates", action="store_true",
                   help="include the alternate-track cylinders (needed by IBCDASDI)")
    p.add_argument("--replace", action="store_true", help="overwrite FILE if it exists")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def run(args) -> int:
    geom = geometry(args.type)
    if args.cylinders is not None:
        cyls = args.cylinders
    else:
        cyls = geom.cylinders + (geom.alt_cylinders if args.alternates else 0)
    size = create_image(args.file, geom, args.volser, cyls, replace=args.replace)
    info = {"file": args.file, "type": geom.name, "volser": args.volser.upper(), "cylinders": cyls,
            "heads": geom.heads, "track_size": geom.track_size, "bytes": size}
    if args.json:
        print(json.dumps(info))
    else:
        print(f"{args.file}: {geom.name} volume {info['volser']}, {cyls} cylinders x "
              f"{geom.heads} heads, {geom.track_size}-byte tracks, {size:,} bytes")
    return 0
