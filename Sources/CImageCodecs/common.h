// Private helpers shared by the codec files: one-line error messages.
#ifndef ROBUST_CODECS_COMMON_H
#define ROBUST_CODECS_COMMON_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/// Writes a printf-style message into `error` (truncated to fit), with newlines and other control
/// characters turned into spaces so the message stays one line.
static inline void robust_set_error(char *error, size_t error_size, const char *format, ...) {
    if (error == NULL || error_size == 0) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error, error_size, format, arguments);
    va_end(arguments);
    error[error_size - 1] = 0;
    for (char *p = error; *p; p++) {
        if ((unsigned char)*p < 0x20) *p = ' ';
    }
}

/// True when width × height is within the documented limits (checked before allocating).
static inline int robust_size_allowed(unsigned long width, unsigned long height) {
    return width >= 1 && height >= 1 && width <= ROBUST_IMAGE_MAX_SIDE && height <= ROBUST_IMAGE_MAX_SIDE
        && (unsigned long long)width * (unsigned long long)height <= (unsigned long long)ROBUST_IMAGE_MAX_PIXELS;
}

#endif
