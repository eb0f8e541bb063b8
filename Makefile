# flipvisor: one plain Makefile. `make` builds the EFI system partition
# tree, `make run` boots it, `make test` runs every test.

VERSION   := 0.1
BUILD     := build
HOSTCC    ?= cc
CC        := gcc
LD        := ld
NASM      := nasm
OBJCOPY   := objcopy
PYTHON    := python3

EFI_INC   := /usr/include/efi
EFI_LIB   := /usr/lib
EFI_CRT0  := $(EFI_LIB)/crt0-efi-x86_64.o
EFI_LDS   := $(EFI_LIB)/elf_x86_64_efi.lds

# The hypervisor: freestanding, position independent (an EFI image is
# relocated by the firmware), no red zone (exceptions use the same stack),
# general registers only (guest FPU state is never touched), frame
# pointers kept for the exception backtrace.
HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns \
	-fpic -fshort-wchar -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-strict-aliasing -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables \
	-DEFI_FUNCTION_WRAPPER -DFLIPVISOR_VERSION='"$(VERSION)"' \
	-I. -I$(EFI_INC) -I$(EFI_INC)/x86_64 -I$(EFI_INC)/protocol
# make bench-system sets NET_COST_CFLAGS (vmm/net/net_cost.h).
HV_CFLAGS += $(NET_COST_CFLAGS)
HV_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic -z defs \
	-T $(EFI_LDS) -L$(EFI_LIB)
NASMFLAGS := -f elf64 -g -Werror

# The network path (vmm/net/): pure C, also built into the unit tests,
# the fuzz harnesses and make bench.
NETPATH_C := $(addprefix vmm/net/,frame_pool.c demux.c rx_frame.c rx_deliver.c rx_release.c \
	take_back.c reclaim.c net_tx.c netpath_check.c xchg.c dma_sense.c) lib/copy.c
# Its glue to the hypervisor: ops, start-up, poll, hypercalls, stats.
NET_GLUE_C := $(addprefix vmm/net/,net.c net_ops.c net_start.c net_hypercall.c \
	net_window_fault.c net_stats.c net_timing.c net_cost.c net_sense.c)
# A Linux VM's devices (vmm/dev/): pure C, also built into the unit tests.
VDEV_C := $(addprefix vmm/dev/,vdev.c vlapic.c vpic.c vrtc.c vpm.c vpit.c \
	uart16550.c)
# A Linux VM: the boot protocol, its command line, its ACPI tables.
LINUX_VM_C := $(addprefix vmm/,linux_boot.c linux_vm.c linux_acpi.c)

HV_C := \
	boot/efi_main.c boot/efi_file.c boot/efi_image.c boot/efi_memmap.c \
	arch/x86/gdt.c arch/x86/idt.c arch/x86/fault.c arch/x86/paging.c \
	arch/x86/cpu_report.c arch/x86/vmx/vmx_caps.c \
	arch/x86/vmx/vmx_caps_decode.c arch/x86/vmx/vmxon.c \
	arch/x86/vmx/vmcs.c arch/x86/vmx/vmx_start.c arch/x86/vmx/vmx_vcpu.c \
	arch/x86/vmx/vmx_exit.c arch/x86/vmx/vmx_npt.c arch/x86/vmx/vmx_ops.c \
	arch/x86/npt.c \
	arch/x86/vmx/ept_format.c arch/x86/pt.c arch/x86/svm/npt_format.c \
	arch/x86/virt_select.c arch/x86/svm/svm_caps.c arch/x86/svm/svm_start.c \
	arch/x86/svm/svm_vcpu.c arch/x86/svm/svm_exit.c arch/x86/svm/svm_npt.c \
	arch/x86/svm/svm_ops.c \
	arch/x86/svm/svm_cr4.c arch/x86/svm/svm_cr0.c \
	arch/x86/svm/svm_guest_insn.c \
	vmm/guest_boot.c arch/x86/vcpu_state.c \
	drivers/uart.c drivers/acpi.c drivers/pit.c drivers/lapic.c \
	drivers/pci.c drivers/e1000.c drivers/intx.c drivers/ioapic.c \
	drivers/pic.c \
	vmm/main.c vmm/config.c vmm/config_files.c vmm/config_net.c vmm/image.c mm/memmap.c \
	mm/page_alloc.c vmm/vm.c vmm/vm_end.c vmm/sched.c vmm/exit.c \
	vmm/guest_msr.c vmm/intercept.c vmm/nmi_test.c vmm/hypercall.c \
	vmm/virq.c vmm/vuart.c vmm/cpuid.c vmm/isolation.c $(LINUX_VM_C) \
	vmm/xapic_mmio.c vmm/mmio_insn.c arch/x86/guest_walk.c \
	$(VDEV_C) $(NET_GLUE_C) $(NETPATH_C) \
	lib/fmt.c lib/console.c lib/console_queue.c lib/string.c
HV_ASM := arch/x86/isr.asm arch/x86/entry.asm arch/x86/vmx/vmx_entry.asm \
	arch/x86/svm/svm_entry.asm

HV_OBJ := $(HV_C:%.c=$(BUILD)/hv/%.o) $(HV_ASM:%.asm=$(BUILD)/hv/%.o)
ESP    := $(BUILD)/esp
EFI    := $(ESP)/EFI/BOOT/BOOTX64.EFI
# Example guests for the 'image' key, from tests/guests/ (below).
TEST_GUESTS := hello
GUESTS_DIR  := $(BUILD)/guests
ESP_GUESTS  := $(foreach g,$(TEST_GUESTS),$(ESP)/guests/$(g).bin \
	$(ESP)/guests/$(g).elf)

.PHONY: all setup run test unit system usb pxe clean
all: $(EFI) $(ESP)/flipvisor.cfg $(ESP_GUESTS)

# V=1 shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

$(BUILD)/hv/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/hv/%.o: %.asm
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

# The entry stubs share struct guest_regs' layout and its loads/stores.
$(BUILD)/hv/arch/x86/vmx/vmx_entry.o $(BUILD)/hv/arch/x86/svm/svm_entry.o: \
	arch/x86/guest_regs.inc

# The guest-stub image is linked in as data (guest-stub/guest_image.h).
GUEST_IMAGE_OBJ := $(BUILD)/guest-stub/guest-stub.o

# libefi with its byte-loop memcpy/memset made weak: lib/string.c's win.
LIBEFI := $(BUILD)/libefi.a
$(LIBEFI): $(EFI_LIB)/libefi.a
	@mkdir -p $(dir $@)
	$(Q)$(OBJCOPY) -W memcpy -W memset $< $@

$(BUILD)/flipvisor.so: $(HV_OBJ) $(GUEST_IMAGE_OBJ) $(LIBEFI)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(HV_LDFLAGS) $(EFI_CRT0) $(HV_OBJ) $(GUEST_IMAGE_OBJ) -o $@ \
		$(LIBEFI) -lgnuefi
	@# An EFI image must be fully relocatable: refuse text relocations.
	@! readelf -d $@ | grep -q TEXTREL
	@# Guests' x87/SSE state stays in the registers while the hypervisor
	@# runs: our own code must never use them (fxsave/fxrstor aside).
	@! objdump -d $(HV_OBJ) | grep -E 'xmm|ymm|zmm' | grep -vE 'fxsave|fxrstor'

$(EFI): $(BUILD)/flipvisor.so
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym \
		-j .rel -j .rela -j .rel.* -j .rela.* -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

$(ESP)/flipvisor.cfg: boot/flipvisor.cfg
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# --- guest-stub: the tiny guest kernel (docs/guest-stub.md) ----------
# A separate freestanding program linked at GUEST_LOAD_GPA: non-PIC, no
# red zone (its interrupts use the same stack), general registers only.
# guest-stub.o wraps the flat image for linking into the hypervisor.
GUEST_DIR    := $(BUILD)/guest-stub
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns \
	-fno-pic -fno-pie -mcmodel=small -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none \
	-nostdlib -static -I.
GUEST_LDFLAGS := -T guest-stub/guest.ld -nostdlib -static -z noexecstack \
	--build-id=none
# The network stack and ring: pure C, also built into test_guest_net.
GUEST_NET_C := guest-stub/net_eth.c guest-stub/net_arp.c \
	guest-stub/net_ipv4.c guest-stub/net_icmp.c guest-stub/net_udp.c \
	guest-stub/net_csum.c guest-stub/net_ring.c guest-stub/net_ping.c
GUEST_C   := guest-stub/main.c guest-stub/hypercall.c guest-stub/idt.c \
	guest-stub/uart.c \
	guest-stub/print.c guest-stub/mode_normal.c guest-stub/mode_spin.c \
	guest-stub/mode_bad_memory.c guest-stub/mode_triple_fault.c \
	guest-stub/mode_hypercall_flood.c guest-stub/mode_fpu_probe.c \
	guest-stub/mode_net_hoard.c guest-stub/mode_hypercall_fuzz.c \
	guest-stub/mode_net_abuse.c guest-stub/mode_slot_write.c \
	guest-stub/mode_spy.c guest-stub/mode_spin_cli.c guest-stub/mode_spin_dark.c guest-stub/hostile.c \
	guest-stub/mode_cpu_state.c \
	guest-stub/mode_insn_probe.c guest-stub/mode_cr8_mask.c \
	guest-stub/mode_cr0_write.c guest-stub/mode_nmi_probe.c \
	guest-stub/mode_user_hypercall.c \
	guest-stub/mode_console_flood.c \
	guest-stub/net_dev.c $(GUEST_NET_C)
GUEST_ASM := guest-stub/entry.asm guest-stub/probe.asm
# entry.o first: _start must be the image's first byte (guest.ld also
# puts .text.entry first and checks).
GUEST_OBJ := $(GUEST_ASM:guest-stub/%.asm=$(GUEST_DIR)/obj/%.o) \
	$(GUEST_C:guest-stub/%.c=$(GUEST_DIR)/obj/%.o)

.PHONY: guest-stub
guest-stub: $(GUEST_DIR)/guest-stub.o

$(GUEST_DIR)/obj/%.o: guest-stub/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_DIR)/obj/%.o: guest-stub/%.asm
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

$(GUEST_DIR)/guest-stub.elf: $(GUEST_OBJ) guest-stub/guest.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(GUEST_LDFLAGS) $(GUEST_OBJ) -o $@

$(GUEST_DIR)/guest-stub.bin: $(GUEST_DIR)/guest-stub.elf
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)$(OBJCOPY) -O binary $< $@

# Symbols _binary_build_guest_stub_guest_stub_bin_{start,end,size}, named
# after this path (guest-stub/guest_image.h). objcopy ignores "readonly"
# when the input is binary, so a second pass sets it, and adds the
# .note.GNU-stack whose absence would make ld warn about an executable
# stack when the hypervisor links this in.
$(GUEST_DIR)/guest-stub.o: $(GUEST_DIR)/guest-stub.bin
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)$(OBJCOPY) -I binary -O elf64-x86-64 -B i386:x86-64 \
		--rename-section .data=.data.guest_stub,alloc,load,readonly,data,contents \
		$< $@
	$(Q)$(OBJCOPY) \
		--set-section-flags .data.guest_stub=alloc,load,readonly,data,contents \
		--add-section .note.GNU-stack=/dev/null \
		--set-section-flags .note.GNU-stack=contents,readonly $@

-include $(shell find $(GUEST_DIR)/obj -name '*.d' 2>/dev/null)

# --- example guests for the 'image' key (docs/config.md) -------------
# tests/guests/NAME.asm, built twice: a flat binary (nasm -f bin) and an
# ELF64 executable (nasm -f elf64, then ld), both copied to the ESP's
# guests/ folder, where `image = guests/NAME.elf` finds them.

$(GUESTS_DIR)/%.bin: tests/guests/%.asm
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $@")
	$(Q)$(NASM) -f bin -Werror $< -o $@

$(GUESTS_DIR)/%.o: tests/guests/%.asm
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $@")
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

$(GUESTS_DIR)/%.elf: $(GUESTS_DIR)/%.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) -static -nostdlib -z noexecstack --build-id=none $< -o $@

.PRECIOUS: $(GUESTS_DIR)/%.bin $(GUESTS_DIR)/%.o $(GUESTS_DIR)/%.elf
$(ESP)/guests/%: $(GUESTS_DIR)/%
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# --- guest-linux: Debian 12's kernel and a busybox initramfs ----------
# Both packages are downloaded with apt-get download, never installed,
# into DEB_CACHE (outside what `make clean` removes), so a rebuild needs
# no network. The kernel version this project is tested with is pinned
# here, in one place; docs/linux.md ("Another kernel") says how to use
# another. When the mirror no longer carries it, tools/fetch_deb.sh warns
# and takes the kernel linux-image-cloud-amd64 depends on now.
LINUX_ABI      ?= 6.1.0-50
LINUX_VERSION  ?= 6.1.176-1
LINUX_FLAVOUR  ?= cloud-amd64
LINUX_PKG      := linux-image-$(LINUX_ABI)-$(LINUX_FLAVOUR)
LINUX_FALLBACK := linux-image-$(LINUX_FLAVOUR)
BUSYBOX_VERSION ?= 1:1.35.0-4+deb12u1+b1
DEB_CACHE      ?= build/deb-cache
# One directory per pinned version: changing it rebuilds.
LINUX_DIR      := $(BUILD)/guest-linux/$(LINUX_PKG)_$(LINUX_VERSION)
LINUX_KERNEL   := $(LINUX_DIR)/vmlinuz
LINUX_INITRD   := $(LINUX_DIR)/initrd.img
# Where the ESP and build/tftp/ carry them (README.md, docs/linux.md).
LINUX_MEDIA    := linux/vmlinuz linux/initrd.img

.PHONY: guest-linux
guest-linux: $(LINUX_KERNEL) $(LINUX_INITRD)
all: $(LINUX_MEDIA:%=$(ESP)/%)

# The bzImage is the package's one boot/vmlinuz-RELEASE; RELEASE (what
# `uname -r` says in the guest) is kept beside it for the tests.
$(LINUX_KERNEL): tools/fetch_deb.sh
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FETCH   $(LINUX_PKG)=$(LINUX_VERSION)")
	$(Q)deb=$$(tools/fetch_deb.sh $(DEB_CACHE) $(LINUX_PKG) \
		$(LINUX_VERSION) $(LINUX_FALLBACK)) && \
	name=$$(dpkg-deb --fsys-tarfile "$$deb" | tar -t | \
		grep -x './boot/vmlinuz-.*') && \
	dpkg-deb --fsys-tarfile "$$deb" | tar -xO "$$name" > $@.tmp && \
	echo "$${name#./boot/vmlinuz-}" > $(dir $@)release && mv $@.tmp $@

$(LINUX_DIR)/busybox: tools/fetch_deb.sh
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FETCH   busybox-static=$(BUSYBOX_VERSION)")
	$(Q)deb=$$(tools/fetch_deb.sh $(DEB_CACHE) busybox-static \
		$(BUSYBOX_VERSION) busybox-static) && \
	dpkg-deb --fsys-tarfile "$$deb" | tar -xO ./bin/busybox > $@.tmp && \
	mv $@.tmp $@

# The kernel's build tree, for the flipnet module (docs/linux.md, "The
# network driver"): linux-headers-RELEASE for the pinned kernel, the
# -common headers and linux-kbuild-6.1 at exactly the versions its
# Depends names (the security mirror may carry a newer kbuild: not that
# one). Unpacked, never installed, under LINUX_HDR/; the packages' two
# absolute symlinks (lib/modules/RELEASE/build and source) and the one
# absolute path in the flavour's Makefile (its include of the common
# Makefile) are made relative, so kbuild runs from there.
LINUX_HDR_PKG  := linux-headers-$(LINUX_ABI)-$(LINUX_FLAVOUR)
LINUX_HDR      := $(BUILD)/guest-linux/$(LINUX_HDR_PKG)_$(LINUX_VERSION)
LINUX_HDR_STAMP := $(LINUX_HDR)/.unpacked
# The module is built in a copy of its sources under build/: kbuild 6.1
# writes its objects beside the sources of an external module.
FLIPNET_SRC    := $(wildcard guest-linux/flipnet/*.c guest-linux/flipnet/*.h) \
	guest-linux/flipnet/Kbuild
FLIPNET_DIR    := $(BUILD)/guest-linux/flipnet
FLIPNET_KO     := $(FLIPNET_DIR)/flipnet.ko

$(LINUX_HDR_STAMP): tools/fetch_deb.sh tools/unpack_headers.sh
	@$(if $(Q),echo "  FETCH   $(LINUX_HDR_PKG)=$(LINUX_VERSION) (+ common, kbuild)")
	$(Q)tools/unpack_headers.sh $(DEB_CACHE) $(LINUX_HDR_PKG) $(LINUX_VERSION) \
		linux-headers-$(LINUX_FLAVOUR) $(LINUX_HDR)

# The module must match the kernel it is loaded into (vermagic): the
# release the headers build for is checked against the kernel's.
$(FLIPNET_KO): $(FLIPNET_SRC) vmm/hypercall_abi.h $(LINUX_HDR_STAMP) $(LINUX_KERNEL)
	@$(if $(Q),echo "  KBUILD  $@")
	$(Q)rel=$$(cat $(LINUX_HDR)/release) && \
	if [ "$$rel" != "$$(cat $(LINUX_DIR)/release)" ]; then \
		echo "error: headers are for $$rel, the kernel is $$(cat $(LINUX_DIR)/release)" >&2; \
		exit 1; fi && \
	mkdir -p $(FLIPNET_DIR)/abi && cp $(FLIPNET_SRC) $(FLIPNET_DIR)/ && \
	cp vmm/hypercall_abi.h $(FLIPNET_DIR)/abi/ && \
	$(MAKE) -s -C $(LINUX_HDR)/lib/modules/$$rel/build \
		M=$(abspath $(FLIPNET_DIR)) modules >$(FLIPNET_DIR)/kbuild.log 2>&1 || \
		{ cat $(FLIPNET_DIR)/kbuild.log >&2; exit 1; }
	$(Q)grep -v 'Skipping BTF generation' $(FLIPNET_DIR)/kbuild.log >&2 || true

# `ethtool -S` for the guest, which has no ethtool: static, no libraries.
FLIPNET_STATS  := $(BUILD)/guest-linux/flipnet-stats
$(FLIPNET_STATS): guest-linux/flipnet-stats.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@ (static)")
	$(Q)$(CC) -static -Os -Wall -Wextra -Werror -o $@ $<

$(LINUX_INITRD): $(LINUX_DIR)/busybox guest-linux/init tools/mkinitramfs.py \
		$(FLIPNET_KO) $(FLIPNET_STATS)
	@$(if $(Q),echo "  CPIO    $@")
	$(Q)$(PYTHON) tools/mkinitramfs.py --busybox $< --init guest-linux/init \
		--module $(FLIPNET_KO) --bin $(FLIPNET_STATS) -o $@

$(LINUX_MEDIA:%=$(ESP)/%): $(ESP)/linux/%: $(LINUX_DIR)/%
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# --- boot media -------------------------------------------------------
usb: $(BUILD)/usb.img
$(BUILD)/usb.img: all tools/mkusb.sh
	tools/mkusb.sh $(ESP) $@

pxe: all
	rm -rf $(BUILD)/tftp && mkdir -p $(BUILD)/tftp
	cp $(EFI) $(ESP)/flipvisor.cfg $(BUILD)/tftp/
	cp -r $(ESP)/guests $(BUILD)/tftp/
	cp -r $(ESP)/linux $(BUILD)/tftp/

# --- host unit tests (cmocka) -----------------------------------------
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-I. -DFLIPVISOR_VERSION='"$(VERSION)"' -DSRCDIR='"$(CURDIR)"' \
	-fsanitize=address,undefined -fno-sanitize-recover=all
# Any header change rebuilds the tests: they are small.
UNIT_HDRS := $(wildcard lib/*.h mm/*.h vmm/*.h vmm/net/*.h vmm/dev/*.h arch/x86/*.h arch/x86/vmx/*.h \
	arch/x86/svm/*.h tests/unit/*.h)
NETPATH_UNIT_TESTS := frame_pool demux rx_deliver rx_release take_back reclaim \
	net_tx netpath_check netpath_clock netpath_soak xchg rx_jumbo rx_copy_one \
	dma_sense copy_ring
NETPATH_UNIT_SRC := $(NETPATH_C) tests/unit/netpath_fakes.c \
	tests/unit/netpath_fail.c tests/unit/netpath_steps.c
UNIT_TESTS := config image fmt memmap page_alloc vmx_caps svm_exit svm_cr4 pt \
	guest_net guest_ring guest_ping $(NETPATH_UNIT_TESTS) console_queue \
	linux_boot guest_msr mmio_insn xapic_mmio vlapic vpic uart16550 vrtc vdev \
	vpm vpit linux_acpi copy npt isolation
unit_config_SRC     := vmm/config.c vmm/config_files.c vmm/config_net.c lib/fmt.c
unit_image_SRC      := vmm/image.c lib/fmt.c
unit_fmt_SRC        := lib/fmt.c
unit_memmap_SRC     := mm/memmap.c
unit_page_alloc_SRC := mm/page_alloc.c
unit_vmx_caps_SRC   := arch/x86/vmx/vmx_caps_decode.c
unit_svm_exit_SRC   := arch/x86/svm/svm_exit.c
unit_linux_boot_SRC := vmm/linux_boot.c lib/fmt.c
unit_svm_cr4_SRC    := arch/x86/svm/svm_cr4.c arch/x86/svm/svm_cr0.c \
	arch/x86/svm/svm_guest_insn.c arch/x86/guest_walk.c
unit_mmio_insn_SRC  := vmm/mmio_insn.c
unit_xapic_mmio_SRC := vmm/xapic_mmio.c vmm/mmio_insn.c lib/fmt.c
unit_guest_msr_SRC  := vmm/guest_msr.c
unit_vlapic_SRC     := vmm/dev/vlapic.c
unit_vpic_SRC       := vmm/dev/vpic.c
unit_uart16550_SRC  := vmm/dev/uart16550.c
unit_vrtc_SRC       := vmm/dev/vrtc.c
unit_vpm_SRC        := vmm/dev/vpm.c
unit_vpit_SRC       := vmm/dev/vpit.c
unit_linux_acpi_SRC := vmm/linux_acpi.c vmm/dev/vpm.c
unit_vdev_SRC       := $(VDEV_C) mm/page_alloc.c vmm/vuart.c
unit_pt_SRC         := arch/x86/pt.c arch/x86/vmx/ept_format.c \
	arch/x86/svm/npt_format.c
unit_guest_net_SRC  := $(GUEST_NET_C) $(wildcard guest-stub/net*.h) \
	tests/unit/guest_net_frames.c
unit_guest_ring_SRC := $(unit_guest_net_SRC) tests/unit/guest_ring_fake.c
unit_guest_ping_SRC := $(unit_guest_net_SRC)
# The network path: one test file per source file (and the soak), all
# on the shared fakes.
$(foreach t,$(NETPATH_UNIT_TESTS),$(eval unit_$(t)_SRC := $(NETPATH_UNIT_SRC)))
unit_console_queue_SRC := lib/console_queue.c
unit_copy_SRC       := lib/copy.c
unit_npt_SRC        := arch/x86/npt.c $(unit_pt_SRC) mm/page_alloc.c
unit_isolation_SRC  := vmm/isolation.c $(unit_npt_SRC)
# np_deliver's shortcut against its general loop: the test routes np_rx's
# call of np_deliver as it chooses.
unit_rx_copy_one_LDFLAGS := -Wl,--wrap=np_deliver

define unit_rule
$(BUILD)/unit/test_$(1): tests/unit/test_$(1).c $$(unit_$(1)_SRC) $$(UNIT_HDRS)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  HOSTCC  $$@")
	$$(Q)$$(HOSTCC) $$(UNIT_CFLAGS) $$(filter %.c,$$^) -o $$@ -lcmocka \
		$$(unit_$(1)_LDFLAGS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/unit/test_%)
unit-build: $(UNIT_BINS)

# --- fuzzing on the host (libFuzzer; docs/testing.md, "Fuzzing") -----
# One harness per target in tests/fuzz/, built with clang against the
# hypervisor's own files, ASan and UBSan on. `make test` runs each for
# FUZZ_TEST_SECONDS over its seed corpus and its regression inputs
# (tools/test.py); `make fuzz` runs each for FUZZ_SECONDS, keeping what
# it finds in build/fuzz/corpus/NAME and any crash in build/fuzz/.
FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-I. -DFLIPVISOR_VERSION='"$(VERSION)"' \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fsanitize-coverage-ignorelist=tests/fuzz/coverage.ignore
FUZZ_SECONDS      ?= 300
FUZZ_TEST_SECONDS ?= 10
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_TARGETS := config image ring frame hypercall linux_boot exit
FUZZ_FAKES   := tests/unit/netpath_fakes.c tests/fuzz/fuzz_fail.c
fuzz_config_SRC    := vmm/config.c vmm/config_files.c vmm/config_net.c lib/fmt.c $(NETPATH_C) $(FUZZ_FAKES)
fuzz_image_SRC     := vmm/image.c lib/fmt.c
fuzz_ring_SRC      := $(NETPATH_C) $(FUZZ_FAKES)
fuzz_frame_SRC     := $(NETPATH_C) $(FUZZ_FAKES)
fuzz_linux_boot_SRC := vmm/linux_boot.c lib/fmt.c
# The hypercall harness wraps three functions to check them from outside.
fuzz_hypercall_SRC := vmm/hypercall.c $(NET_GLUE_C) vmm/vm.c vmm/image.c vmm/virq.c \
	vmm/isolation.c \
	$(LINUX_VM_C) $(VDEV_C) \
	vmm/vuart.c mm/page_alloc.c lib/fmt.c $(NETPATH_C) \
	tests/fuzz/hv_fakes.c tests/fuzz/hv_backend.c
fuzz_hypercall_LDFLAGS := \
	-Wl,--wrap=np_init,--wrap=vm_guest_ptr,--wrap=vm_read,--wrap=vm_write,--wrap=page_alloc
# The exit harness: both backends' decoders and vCPU calls over a fake
# VMCS and VMCB (tests/fuzz/exit_vmx.c, exit_svm.c), and vmm/'s handlers.
EXIT_HV_C := arch/x86/vmx/vmx_exit.c arch/x86/vmx/vmx_vcpu.c \
	arch/x86/svm/svm_exit.c arch/x86/svm/svm_vcpu.c arch/x86/svm/svm_cr0.c \
	arch/x86/svm/svm_cr4.c arch/x86/svm/svm_guest_insn.c \
	arch/x86/guest_walk.c vmm/xapic_mmio.c vmm/mmio_insn.c \
	arch/x86/vcpu_state.c arch/x86/virt_select.c vmm/exit.c \
	arch/x86/vmx/vmx_ops.c arch/x86/svm/svm_ops.c \
	vmm/guest_msr.c vmm/cpuid.c vmm/intercept.c vmm/vuart.c
fuzz_exit_SRC := $(EXIT_HV_C) $(VDEV_C) vmm/vm_end.c vmm/virq.c lib/fmt.c \
	tests/fuzz/exit_vmx.c \
	tests/fuzz/exit_svm.c tests/fuzz/hv_fakes.c mm/page_alloc.c
FUZZ_HDRS := $(UNIT_HDRS) tests/fuzz/coverage.ignore \
	$(wildcard tests/fuzz/*.h drivers/*.h \
	guest-stub/*.h)

define fuzz_rule
$(FUZZ_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(fuzz_$(1)_SRC) $$(FUZZ_HDRS)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  FUZZCC  $$@")
	$$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$(fuzz_$(1)_LDFLAGS) \
		$$(filter %.c,$$^) -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
.PHONY: fuzz-build fuzz
fuzz-build: $(FUZZ_BINS)

# Line coverage of the files each harness is about by its corpus (seeds
# and what `make fuzz` found), from clang's source-based coverage:
# `make fuzz-cover` writes build/fuzz/cover/NAME.txt.
FUZZ_COV_DIR := $(FUZZ_DIR)/cover
fuzz_config_COVER    := vmm/config.c vmm/config_files.c vmm/config_net.c
fuzz_image_COVER     := vmm/image.c
fuzz_ring_COVER      := $(NETPATH_C)
fuzz_frame_COVER     := vmm/net/demux.c vmm/net/rx_frame.c vmm/net/rx_deliver.c vmm/net/net_tx.c
fuzz_linux_boot_COVER := vmm/linux_boot.c
fuzz_hypercall_COVER := vmm/hypercall.c $(NET_GLUE_C) vmm/vm.c $(NETPATH_C)
fuzz_exit_COVER := $(EXIT_HV_C)

define fuzz_cover_rule
$(FUZZ_COV_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(fuzz_$(1)_SRC) $$(FUZZ_HDRS)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  FUZZCC  $$@ (coverage)")
	$$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fprofile-instr-generate \
		-fcoverage-mapping $$(fuzz_$(1)_LDFLAGS) $$(filter %.c,$$^) -o $$@

.PHONY: fuzz-cover-$(1)
fuzz-cover-$(1): $(FUZZ_COV_DIR)/fuzz_$(1)
	@mkdir -p $(FUZZ_DIR)/corpus/$(1)
	$$(Q)LLVM_PROFILE_FILE=$(FUZZ_COV_DIR)/$(1).profraw $$< -runs=0 \
		$(FUZZ_DIR)/corpus/$(1) tests/fuzz/corpus/$(1) >/dev/null 2>&1
	$$(Q)llvm-profdata merge -o $(FUZZ_COV_DIR)/$(1).profdata \
		$(FUZZ_COV_DIR)/$(1).profraw
	$$(Q)llvm-cov report $$< -instr-profile=$(FUZZ_COV_DIR)/$(1).profdata \
		$$(fuzz_$(1)_COVER) > $(FUZZ_COV_DIR)/$(1).txt
	@echo "fuzz_$(1): lines covered: $$$$(awk '/^TOTAL/ { print $$$$10 }' \
		$(FUZZ_COV_DIR)/$(1).txt) (build/fuzz/cover/$(1).txt)"
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_cover_rule,$(t))))

.PHONY: fuzz-cover
fuzz-cover: $(FUZZ_TARGETS:%=fuzz-cover-%)

# `make fuzz FUZZ_TARGETS=ring FUZZ_SECONDS=60`: one harness, a minute.
fuzz: setup
	@$(MAKE) --no-print-directory fuzz-build
	@$(PYTHON) tools/test.py --fuzz-only --fuzz-seconds $(FUZZ_SECONDS) \
		$(FUZZ_BINS)

# --- make bench: the data path's cost on the host (docs/performance.md) --
# The netpath and EPT files with the hypervisor's code generation (-O2,
# default x86-64, no sanitizers), memcpy/memset/memcmp renamed and
# COPY_BENCH set (lib/copy.h), so tools/bench/bench_string.c can run them
# with lib/string.c's and lib/copy.h's (as flipvisor.so links them),
# gnu-efi's byte loops or libc's. Not part of
# `make test`; BENCH_ARGS=--quick is a smoke run.
BENCH_DIR     := $(BUILD)/bench
# Loops aligned to 32 bytes: a tight loop that straddles a 64-byte line
# can run at half speed (AMD Zen's op cache), and where it falls would
# otherwise change with every edit to the bench.
BENCH_HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-Wno-unused-parameter -fno-builtin -fno-tree-loop-distribute-patterns \
	-mgeneral-regs-only -mno-red-zone -fno-strict-aliasing \
	-fno-omit-frame-pointer -fno-stack-protector -falign-loops=32 -I.
BENCH_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-Wno-unused-parameter -falign-loops=32 -I.
BENCH_HV_C    := $(filter-out lib/copy.c,$(NETPATH_C)) arch/x86/pt.c \
	arch/x86/vmx/ept_format.c
BENCH_HV_OBJ  := $(BENCH_HV_C:%.c=$(BENCH_DIR)/obj/%.o)
BENCH_C       := tools/bench/bench_datapath.c tools/bench/bench_measure.c \
	tools/bench/bench_report.c tools/bench/bench_report_dma.c \
	tools/bench/bench_world.c tools/bench/bench_dma.c \
	tools/bench/bench_clock.c tests/unit/netpath_fakes.c
BENCH_OBJ     := $(BENCH_HV_OBJ) $(BENCH_DIR)/obj/lib/string.o \
	$(BENCH_DIR)/obj/lib/copy.o \
	$(BENCH_DIR)/obj/tools/bench/bench_string.o \
	$(BENCH_C:%.c=$(BENCH_DIR)/obj/%.o)

# The Makefile too: a flag changed must not leave a stale object.
$(BENCH_HV_OBJ): $(BENCH_DIR)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(BENCH_HV_CFLAGS) -DCOPY_BENCH \
		-Dmemcpy=bench_memcpy -Dmemset=bench_memset -Dmemcmp=bench_memcmp \
		-MMD -MP -c $< -o $@

# lib/string.c: the hypervisor's own string functions, prefixed hv_.
$(BENCH_DIR)/obj/lib/string.o: lib/string.c Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(BENCH_HV_CFLAGS) -Dmemcpy=hv_memcpy -Dmemset=hv_memset \
		-Dmemcmp=hv_memcmp -Dmemmove=hv_memmove -Dstrlen=hv_strlen \
		-Dstrcmp=hv_strcmp -MMD -MP -c $< -o $@

# lib/copy.c: the frame copy as linked, its loop lib/string.c's (hv_).
$(BENCH_DIR)/obj/lib/copy.o: lib/copy.c Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(BENCH_HV_CFLAGS) -Dmemcpy=hv_memcpy -MMD -MP -c $< -o $@

$(BENCH_DIR)/obj/tools/bench/bench_string.o: tools/bench/bench_string.c Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(BENCH_HV_CFLAGS) -MMD -MP -c $< -o $@

$(BENCH_C:%.c=$(BENCH_DIR)/obj/%.o): $(BENCH_DIR)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(BENCH_DIR)/bench_datapath: $(BENCH_OBJ)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(HOSTCC) $(BENCH_OBJ) -o $@ -lm

.PHONY: bench
bench: setup
	@$(MAKE) --no-print-directory $(BENCH_DIR)/bench_datapath
	@tools/bench/bench.sh $(BENCH_DIR) $(BENCH_ARGS)

-include $(shell find $(BENCH_DIR)/obj -name '*.d' 2>/dev/null)

# --- the two commands -------------------------------------------------
setup:
	@tools/setup.sh

run: setup
	@$(MAKE) --no-print-directory all
	@$(PYTHON) tools/run.py $(if $(BED),--bed $(BED)) $(if $(LINUX),--linux) $(if $(STAY),--stay)

test: setup
	@$(MAKE) --no-print-directory all usb pxe unit-build fuzz-build
	@$(PYTHON) tools/test.py --fuzz-seconds $(FUZZ_TEST_SECONDS) \
		$(UNIT_BINS) $(FUZZ_BINS)

# The two halves of make test, alone.
unit: unit-build
	@$(PYTHON) tools/test.py --unit-only $(UNIT_BINS)

system: setup
	@$(MAKE) --no-print-directory all usb pxe
	@$(PYTHON) tools/test.py --system-only

# make soak: the soak test alone, for SOAK_S seconds of traffic (make test
# runs it for 60; tests/system/test_soak.py).
.PHONY: soak
SOAK_S ?= 900
soak: setup
	@$(MAKE) --no-print-directory all
	@FLIPVISOR_SOAK_S=$(SOAK_S) FLIPVISOR_TESTS='^net_soak$$' \
		$(PYTHON) tools/test.py --system-only

# The download cache stays (it is the packages as Debian ships them):
# `make distclean` removes it too.
.PHONY: distclean
clean:
	[ ! -d $(BUILD) ] || find $(BUILD) -mindepth 1 -maxdepth 1 \
		! -name deb-cache -exec rm -rf {} +

distclean:
	rm -rf $(BUILD) $(DEB_CACHE)

# --- make bench-system: in-system cost in Bochs (docs/performance.md) --
# Its own build tree, with the invariant checks compiled out
# (vmm/net/net_cost.h); the guest-stub image is the main tree's, whose path
# names its symbols (guest-stub/guest_image.h).
.PHONY: bench-system
BENCH_SYSTEM := $(BUILD)/bench-system
bench-system: setup
	@$(MAKE) --no-print-directory all BUILD=$(BENCH_SYSTEM) \
		GUEST_DIR=$(BUILD)/guest-stub \
		GUEST_IMAGE_OBJ=$(BUILD)/guest-stub/guest-stub.o \
		NET_COST_CFLAGS=-DNET_COST_NO_CHECK
	@$(PYTHON) tools/bench_system.py --esp $(BENCH_SYSTEM)/esp

-include $(shell find $(BUILD)/hv -name '*.d' 2>/dev/null)
