/* Minimal stand-in used only to parse OrthancCPlugin.h: the model needs the
 * names of standard types, not their sizes, and must not depend on the
 * machine's C library. */
#pragma once
typedef unsigned long size_t;
#define NULL ((void*)0)
