/* ope/base/softmax.c: the numerically stable softmax (see the header). The summation
 * order and the max-then-exp shape are part of the contract: the policies built from
 * it are written to files and compared byte for byte. */
#include "config.h"
#include "ope/base/softmax.h"

#include <math.h>

void ope_softmax(int n, const double *x, double temp, double *p)
{
    double mx = x[0], z = 0.0;
    for (int i = 1; i < n; i++)
        mx = fmax(mx, x[i]);
    for (int i = 0; i < n; i++)
        z += p[i] = exp((x[i] - mx) / temp);    /* x[i] is read before p[i] is written */
    for (int i = 0; i < n; i++)
        p[i] /= z;
}
