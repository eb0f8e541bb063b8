"""System tests: boot on every bed and medium, report VT-x or AMD-V (and
say so plainly when there is neither), refuse bad configurations, dump
exceptions.

Each entry is one boot judged by its serial output: a name plus the keyword
arguments of tools/emu.py's run() (format described in tools/test.py).
Paths are relative to the repository root.
"""

BANNER = r"^flipvisor \S+ booting"
GUESTS_UP = [r"^alpha: up mac=", r"^beta: up mac=", r"^gamma: up mac="]
HALTED = r"^flipvisor: halted"
PANIC = r"\[panic\]|EXCEPTION"

TESTS = [
    dict(name="bochs_report", bed="bochs", esp="build/esp",
         doc="Bochs emulates VT-x with EPT: every capability the hypervisor "
             "needs is reported present and VMXON/VMXOFF work",
         expect=[BANNER,
                 r"\[mem\] usable",
                 r"\[vmx\] EPT: yes",
                 r"\[vmx\] VPID: yes",
                 r"\[vmx\] unrestricted guest: yes",
                 r"\[vmx\] preemption timer: yes",
                 r"\[vmx\] INVEPT single-context: yes",
                 r"\[vmx\] 4-level EPT walk: yes",
                 r"\[vmx\] WB EPT memory type: yes",
                 r"\[vmx\] VMXON ok, VMXOFF ok",
                 r"\[virt\] vendor path: Intel VT-x with EPT"],
         fail=[PANIC + r"|no usable VT-x"],
         timeout=150),

    dict(name="qemu_svm_report", bed="qemu", accel="tcg", esp="build/esp",
         doc="QEMU's TCG (-cpu max) has no VT-x but AMD-V with nested paging, "
             "without NRIP save or decode assists: reported, chosen, started",
         expect=[BANNER,
                 r"\[vmx\] VMX present: no",
                 r"\[svm\] SVM present: yes",
                 r"\[svm\] nested paging: yes",
                 r"\[svm\] NRIP save: no",
                 r"\[svm\] decode assists: no",
                 r"\[virt\] vendor path: AMD-V \(SVM\) with nested paging",
                 r"\[svm\] SVM on: EFER 0x\w+, host save area 0x\w+, RIP advance "
                 r"by instruction length"] + GUESTS_UP,
         fail=[PANIC, r"no usable", r"stopped"],
         timeout=60),

    dict(name="qemu_tcg_no_virt", bed="qemu", accel="tcg", esp="build/esp",
         qemu_args=["-cpu", "max,-svm"],
         doc="a CPU with neither VT-x nor AMD-V (QEMU TCG, SVM switched off): "
             "said plainly, then a clean halt",
         expect=[BANNER, r"\[vmx\] VMX present: no", r"\[svm\] SVM present: no",
                 r"\[virt\] no usable VT-x or AMD-V on this CPU"],
         stop=HALTED,
         fail=[PANIC, r"vendor path"],
         timeout=60),

    dict(name="qemu_usb_boot", bed="qemu", usb="build/usb.img",
         doc="boots from a FAT16 image on a USB stick (xHCI) and runs the "
             "default configuration's three VMs",
         expect=[BANNER] + GUESTS_UP,
         fail=[PANIC, r"no usable", r"stopped"],
         timeout=90),

    dict(name="qemu_pxe_boot", bed="qemu", pxe="build/tftp",
         doc="boots over the network (iPXE fetches BOOTX64.EFI and "
             "flipvisor.cfg by TFTP) and runs the default configuration's "
             "three VMs",
         expect=[BANNER] + GUESTS_UP,
         fail=[PANIC, r"no usable", r"stopped"],
         timeout=90),

    dict(name="bad_config", bed="qemu", accel="tcg", esp="build/esp",
         doc="an unknown key is reported with file and line; no guest starts",
         cfg_text="# bad\nheap_mib = 32\nbogus = 1\n",
         expect=[r"flipvisor\.cfg:3: unknown global key 'bogus'",
                 r"refusing to start guests"],
         fail=[PANIC],
         timeout=60),

    dict(name="exception_dump", bed="qemu", accel="tcg", esp="build/esp",
         doc="a page fault in the hypervisor gives a full register dump "
             "and a backtrace, then a halt",
         cfg_text="selftest = page_fault\n",
         expect=[r"EXCEPTION #PF", r"error code", r"RIP", r"CR2", r"RAX",
                 r"backtrace", r"halted"],
         fail=[r"unknown key"],   # the dump itself may say [panic]
         timeout=60),
]
