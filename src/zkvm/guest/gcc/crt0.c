/*
 * crt0.c -- program entry of the GCC + picolibc guest route (src/zkvm/toolchain/gcc.py).
 *
 * On entry (zkvm executor and qemu-riscv32 alike, docs/abi.md) sp points at the Linux
 * initial stack: argc at 0(sp), then argv[], NULL, envp[], NULL, auxv. The loader has
 * placed .data and zeroed .bss/.tbss, so nothing is copied here. _start:
 *
 *   1. sets gp to __global_pointer$ (with relaxation off, or `la gp` would be relaxed
 *      into a gp-relative access of gp itself);
 *   2. sets tp to __tls_base: picolibc keeps errno and its signal table in TLS, and
 *      RISC-V local-exec TLS addresses variables at tp + (offset in the TLS segment);
 *   3. runs the constructors (picolibc's __libc_init_array);
 *   4. calls main(argc, argv, envp) and passes its result to exit(), which runs atexit
 *      handlers and destructors and ends in _exit() (zkvm_gcc_syscalls.c: flushes
 *      stdout, then exit_group).
 */
extern int main(int argc, char **argv, char **envp);
extern void __libc_init_array(void);
extern void exit(int code) __attribute__((noreturn));

__attribute__((used, noreturn)) void __zkvm_gcc_start_c(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    __libc_init_array();
    exit(main(argc, argv, envp));
}

__asm__(
    "    .section .text.zkvm_start,\"ax\",@progbits\n"
    "    .globl _start\n"
    "    .type _start, @function\n"
    "_start:\n"
    "    .option push\n"
    "    .option norelax\n"
    "    lla gp, __global_pointer$\n"
    "    .option pop\n"
    "    lla tp, __tls_base\n"
    "    mv a0, sp\n"
    "    andi sp, sp, -16\n"
    "    call __zkvm_gcc_start_c\n"
    "1:  j 1b\n"
    "    .size _start, . - _start\n"
    "    .text\n");
