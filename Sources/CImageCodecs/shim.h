// Debian's libpng (libpng-dev), libjpeg-turbo (libjpeg-dev) and zlib, for decoding user images, writing
// PNG figures and reading gzip-compressed IDX files.
#include <stdio.h>
#include <stddef.h>
#include <png.h>
#include <jpeglib.h>
#include <zlib.h>
