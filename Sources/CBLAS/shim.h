// CBLAS: the C interface of OpenBLAS (Debian's libopenblas-dev), nothing else.
#include <cblas.h>
