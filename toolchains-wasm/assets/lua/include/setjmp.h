/*
** Stand-in for <setjmp.h>, which WASI preview 1's libc does not have. ldo.c includes it
** unconditionally, but with LUAI_THROW/LUAI_TRY/luai_jmpbuf defined by xlua_config.h it
** uses nothing from it.
*/
#ifndef XLUA_SETJMP_H
#define XLUA_SETJMP_H
#endif
