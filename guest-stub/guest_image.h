/* The guest-stub flat image, linked into the hypervisor as the object
 * build/guest-stub/guest-stub.o (objcopy -I binary, in section
 * .data.guest_stub). The hypervisor copies it to GUEST_LOAD_GPA. objcopy
 * names the symbols after the input path, so they hold for the default
 * BUILD=build only. Take the length as end - start: the _size symbol is
 * absolute, and reading it from PIC code depends on the linker relaxing
 * a GOT load. */
#ifndef GUEST_STUB_GUEST_IMAGE_H
#define GUEST_STUB_GUEST_IMAGE_H

#include <stdint.h>

extern const uint8_t _binary_build_guest_stub_guest_stub_bin_start[];
extern const uint8_t _binary_build_guest_stub_guest_stub_bin_end[];

#endif
