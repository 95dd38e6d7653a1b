/* ope/base/datapath.c: finding the shipped data (see the header). */
#include "config.h"
#include "ope/base/datapath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *join_path(const char *dir, const char *rel)
{
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, rel);
    return p;
}

char *ope_data_path(const char *rel)
{
    const char *dirs[3];
    int nd = 0;
    const char *env = getenv("OPE_DATA_DIR");
    if (env && *env)
        dirs[nd++] = env;
    dirs[nd++] = OPE_DATADIR;
    dirs[nd++] = OPE_SRCDIR "/data";
    for (int i = 0; i < nd; i++) {
        char *p = join_path(dirs[i], rel);
        if (p && access(p, R_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}
