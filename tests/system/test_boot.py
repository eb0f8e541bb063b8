"""System tests: boot on every bed and medium, report VT-x, refuse bad
configurations, dump exceptions.

Each entry is one boot judged by its serial output: a name plus the keyword
arguments of tools/emu.py's run() (format described in tools/test.py).
Paths are relative to the repository root.
"""

BANNER = r"^flipvisor \S+ booting"
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
                 r"\[vmx\] VMXON ok, VMXOFF ok"],
         fail=[PANIC + r"|no usable VT-x"],
         timeout=150),

    dict(name="qemu_tcg_no_vtx", bed="qemu", accel="tcg", esp="build/esp",
         doc="QEMU's TCG has no VT-x: said plainly, then a clean halt",
         expect=[BANNER, r"\[vmx\] no usable VT-x"],
         stop=HALTED,
         fail=[PANIC],
         timeout=60),

    dict(name="qemu_usb_boot", bed="qemu", usb="build/usb.img",
         doc="boots from a FAT16 image on a USB stick (xHCI)",
         expect=[BANNER],
         fail=[PANIC],
         timeout=90),

    dict(name="qemu_pxe_boot", bed="qemu", pxe="build/tftp",
         doc="boots over the network: iPXE fetches BOOTX64.EFI by TFTP",
         expect=[BANNER],
         fail=[PANIC],
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
