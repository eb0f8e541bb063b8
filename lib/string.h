/* The handful of <string.h> functions the hypervisor uses. In the
 * hypervisor they come from lib/string.c and gnu-efi's libefi; on the
 * host, from libc. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

void  *memcpy(void *dst, const void *src, size_t n);
void  *memmove(void *dst, const void *src, size_t n);
void  *memset(void *dst, int c, size_t n);
int    memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int    strcmp(const char *a, const char *b);

#endif
