/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FLOWPIN_LIB_VERSION_H
#define FLOWPIN_LIB_VERSION_H

/*
 * flowpin -V, and the metrics' flowpin_build_info: the Makefile passes
 * debian/changelog's version, the one the package has.
 */
#ifndef FLOWPIN_VERSION
#define FLOWPIN_VERSION "0.11.0"
#endif

#endif
