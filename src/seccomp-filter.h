/* The seccomp filter of both --confine modes, for confine.c. */
#pragma once
#include <linux/audit.h>

/* The architectures the filter knows: elsewhere there is none (confine says -EOPNOTSUPP). */
#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif

/* Builds the filter and installs it on the calling (single-threaded) process, for good; needs
 * no_new_privs. 0 or -errno: -EOPNOTSUPP when the kernel has no seccomp filters (or no
 * SECCOMP_RET_KILL_PROCESS) or the architecture is not one of FILTER_ARCH's. */
int seccomp_filter_install(void);
