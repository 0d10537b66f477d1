/* serial.c - the console: COM1, a 16550 UART at I/O port 0x3F8, transmit only.
 *
 * Output is polled, not interrupt driven: before each byte we read the line status register
 * until bit 5 (transmit holding register empty) says the UART can take another byte.  QEMU and
 * kdbt transmit instantly, so the loop normally runs once; real hardware would wait here.
 */
#include "serial.h"
#include "x86.h"

#define COM1 0x3F8
#define UART_THR (COM1 + 0) /* transmit holding register (DLAB = 0) */
#define UART_DLL (COM1 + 0) /* divisor latch, low byte (DLAB = 1) */
#define UART_IER (COM1 + 1) /* interrupt enable (DLAB = 0) */
#define UART_DLM (COM1 + 1) /* divisor latch, high byte (DLAB = 1) */
#define UART_FCR (COM1 + 2) /* FIFO control */
#define UART_LCR (COM1 + 3) /* line control; bit 7 = DLAB selects the divisor latch */
#define UART_MCR (COM1 + 4) /* modem control */
#define UART_LSR (COM1 + 5) /* line status */

#define LCR_DLAB 0x80
#define LCR_8N1 0x03  /* 8 data bits, no parity, 1 stop bit */
#define LSR_THRE 0x20 /* bit 5: the transmitter can accept a byte */

void serial_init(void) {
    outb(UART_IER, 0x00);      /* no UART interrupts: we poll */
    outb(UART_LCR, LCR_DLAB);  /* expose the divisor latch ... */
    outb(UART_DLL, 1);         /* ... divisor 1 = 115200 baud (irrelevant under emulation) */
    outb(UART_DLM, 0);
    outb(UART_LCR, LCR_8N1);   /* hide the latch again, set the frame format */
    outb(UART_FCR, 0xC7);      /* enable and clear the FIFOs */
    outb(UART_MCR, 0x03);      /* DTR and RTS asserted */
}

void serial_putc(char c) {
    while (!(inb(UART_LSR) & LSR_THRE))
        ;
    outb(UART_THR, (u8)c);
}
