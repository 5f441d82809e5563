/* A field of /proc/self/status in kB (VmHWM, VmPeak, VmRSS, VmSize), or -1.
 * Shared by the C tests (testutil.h) and the attack programs. */
#ifndef RAMPART_PROCSTATUS_H
#define RAMPART_PROCSTATUS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline long status_kb (const char *field)
{
    FILE *f = fopen ("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    size_t flen = strlen (field);
    while (fgets (line, sizeof line, f))
        if (strncmp (line, field, flen) == 0 && line[flen] == ':') {
            kb = atol (line + flen + 1);
            break;
        }
    fclose (f);
    return kb;
}

#endif
