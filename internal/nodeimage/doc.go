// Package nodeimage builds and names the image a node boots from. For
// the docker provider that is a container image; for the libvirt
// provider it is a Vagrant box made from that same container image.
//
// The docker node image (docker.go, dockerfile.go, rootfs.go, key.go)
// behaves like a production host for Vagrant: systemd as PID 1, sshd, a
// "vagrant" user with Vagrant's insecure public key and passwordless
// sudo, python3 and python3-apt for Ansible. It already holds the
// packages the Ansible roles install, so nodes come up fast. It is built
// FROM a base image: one the caller names, or nomadbox/base:<suite>,
// imported from a Debian root file system that debootstrap makes and
// that is cached as a tarball outside the repository, so a later build
// (after `docker rmi`) skips debootstrap. BuildDocker builds it.
//
// The libvirt box (libvirt.go, libvirt/) is that image made into a
// virtual machine: its root file system with a kernel, an initrd and
// ifupdown, packed as a box and added to Vagrant at LibvirtBoxVersion.
// BuildLibvirtBox builds it.
//
// A topology that copies Consul and Nomad from this machine
// (install.method = "local") gets a docker image of its own that already
// holds those binaries, one per set of checksums, so its nodes start with
// them and provisioning copies nothing (binaries.go, EnsureBinaries);
// other topologies use the provider's image as it is. For and Name say
// which image that is (name.go), from the binaries' Checksums
// (checksums.go). The generator (the Vagrantfile's image and box
// version) and the providers' preflights (which build what is missing)
// both ask this package, so they agree.
//
// `nomadbox box build` is the command that builds both; a Vagrant box is
// still called a box. Every docker, debootstrap, tar, qemu-img, virsh and
// vagrant call goes through execx.
package nodeimage
