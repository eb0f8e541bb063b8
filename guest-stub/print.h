/* A tiny printf onto the UART: %s %c %d %u %x, an optional zero flag and
 * width (%02x), and l/ll for 64-bit values (%lu, %lx). */
#ifndef GUEST_PRINT_H
#define GUEST_PRINT_H

__attribute__((format(printf, 1, 2)))
void print(const char *fmt, ...);

#endif
