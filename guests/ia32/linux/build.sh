#!/usr/bin/env bash
# Build the Linux guest of issue 22 from Debian's linux-source-6.1, unmodified:
# tinyconfig plus config.fragment, our init (init.c) in a built-in initramfs.
# Everything goes to a cache folder outside the repository (never commit the
# kernel): ${S370VM_CACHE:-~/.cache/s370vm}/linux. Prints the bzImage's path.
# A second run with the same inputs rebuilds nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${S370VM_CACHE:-$HOME/.cache/s370vm}/linux"
tarball=/usr/src/linux-source-6.1.tar.xz
jobs="$(nproc 2>/dev/null || echo 2)"
mkdir -p "$cache"

need=()
[ -f "$tarball" ] || need+=(linux-source-6.1)
for tool in flex bison bc; do command -v "$tool" >/dev/null || need+=("$tool"); done
[ -e /usr/lib/gcc/x86_64-linux-gnu/12/32/libgcc.a ] || need+=(gcc-multilib)
[ -e /usr/include/libelf.h ] || need+=(libelf-dev)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "build.sh: missing ${need[*]}: install them (Debian: apt-get install ${need[*]})" >&2
        exit 2
    fi
fi

stamp="$(cat "$here/config.fragment" "$here/init.c" "$0" | sha256sum | cut -c1-16)"
if [ -f "$cache/bzImage" ] && [ "$(cat "$cache/stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$cache/bzImage"
    exit 0
fi

src="$cache/src/linux-source-6.1"
if [ ! -f "$src/Makefile" ]; then
    rm -rf "$cache/src" && mkdir -p "$cache/src"
    tar -xJf "$tarball" -C "$cache/src"
fi

gcc -m32 -march=i486 -static -nostdlib -ffreestanding -fno-pic -no-pie \
    -fno-stack-protector -fno-asynchronous-unwind-tables -Os -Wall \
    -o "$cache/init" "$here/init.c"
cat > "$cache/initramfs.list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
file /init $cache/init 0755 0 0
LIST

build="$cache/build"
mkdir -p "$build"
make -s -C "$src" O="$build" ARCH=i386 tinyconfig >/dev/null
{ cat "$here/config.fragment"; echo "CONFIG_INITRAMFS_SOURCE=\"$cache/initramfs.list\""; } > "$build/fragment.config"
(cd "$src" && ARCH=i386 scripts/kconfig/merge_config.sh -m -O "$build" "$build/.config" "$build/fragment.config" >"$build/merge.log" 2>&1)
make -s -C "$src" O="$build" ARCH=i386 olddefconfig >>"$build/merge.log" 2>&1
# Every option of the fragment must have survived the merge (a dependency
# missing would silently drop one).
while IFS= read -r line; do
    case "$line" in CONFIG_*=*) grep -qx "$line" "$build/.config" || { echo "build.sh: $line did not take" >&2; exit 2; } ;; esac
done < "$here/config.fragment"
make -s -C "$src" O="$build" ARCH=i386 -j"$jobs" bzImage >/dev/null
cp "$build/arch/x86/boot/bzImage" "$cache/bzImage"
echo "$stamp" > "$cache/stamp"
echo "$cache/bzImage"
