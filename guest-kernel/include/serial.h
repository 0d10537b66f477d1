/* serial.h - the COM1 16550 UART, transmit side only. */
#ifndef KDBT_SERIAL_H
#define KDBT_SERIAL_H

void serial_init(void);
void serial_putc(char c);

#endif
