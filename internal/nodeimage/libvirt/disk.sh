#!/bin/sh
# Runs in a container of the libvirt root image, with the exported root
# file system at /out/root.tar: unpacks it, gives it what Docker mounts
# over in a container (hosts, hostname, resolv.conf), takes out the
# kernel and initrd, and makes the ext4 disk image of DISK_SIZE.
set -eu
mkdir /r
tar -C /r -xpf /out/root.tar
rm /out/root.tar
# systemd would take /.dockerenv for a container.
rm -f /r/.dockerenv
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > /r/etc/hosts
echo nomadbox > /r/etc/hostname
: > /r/etc/resolv.conf
cp "$(ls /r/boot/vmlinuz-* | sort | tail -n 1)" /out/vmlinuz
cp "$(ls /r/boot/initrd.img-* | sort | tail -n 1)" /out/initrd
# Zeroed inode tables and journal now (sparse in the file), not by the
# guest's ext4lazyinit thread, which would cost an emulated CPU.
mkfs.ext4 -q -L root -E lazy_itable_init=0,lazy_journal_init=0 -d /r /out/box.raw "$DISK_SIZE"
chmod 0644 /out/box.raw /out/vmlinuz /out/initrd
# Owned by whoever runs the build, who removes them after.
chown "$OUT_OWNER" /out/box.raw /out/vmlinuz /out/initrd
