// gzip inflation with zlib (inflateInit2 with 16 + MAX_WBITS: gzip header and CRC-32 checked), capped output.
#include "CImageCodecs.h"
#include "common.h"

#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#define CHUNK_LIMIT ((size_t)1 << 30)  /* zlib counts in uInt */

int robust_gunzip(const uint8_t *data, size_t size, size_t max_output, uint8_t **output, size_t *output_size,
                  char *error, size_t error_size) {
    if (output == NULL || output_size == NULL || data == NULL) {
        robust_set_error(error, error_size, "no data");
        return -1;
    }
    *output = NULL;
    *output_size = 0;
    if (size < 2 || data[0] != 0x1F || data[1] != 0x8B) {
        robust_set_error(error, error_size, "not gzip data (bad signature)");
        return -1;
    }
    // The buffer may grow to one byte over the cap, so output over the cap is seen without guessing.
    size_t limit = max_output == SIZE_MAX ? SIZE_MAX : max_output + 1;
    size_t capacity = size < ((size_t)1 << 20) ? ((size_t)1 << 20) : (size > SIZE_MAX / 4 ? SIZE_MAX : size * 4);
    if (capacity > limit) capacity = limit;
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
        robust_set_error(error, error_size, "cannot initialise zlib");
        return -1;
    }
    uint8_t *buffer = (uint8_t *)malloc(capacity);
    if (buffer == NULL) {
        inflateEnd(&stream);
        robust_set_error(error, error_size, "out of memory");
        return -1;
    }
    size_t produced = 0, consumed = 0;
    for (;;) {
        if (produced == capacity) {
            if (capacity >= limit) break;  // over the cap: reported below
            size_t grown = capacity > limit / 2 ? limit : capacity * 2;
            uint8_t *bigger = (uint8_t *)realloc(buffer, grown);
            if (bigger == NULL) {
                free(buffer);
                inflateEnd(&stream);
                robust_set_error(error, error_size, "out of memory");
                return -1;
            }
            buffer = bigger;
            capacity = grown;
        }
        size_t in_chunk = size - consumed > CHUNK_LIMIT ? CHUNK_LIMIT : size - consumed;
        size_t out_chunk = capacity - produced > CHUNK_LIMIT ? CHUNK_LIMIT : capacity - produced;
        stream.next_in = (Bytef *)(data + consumed);
        stream.avail_in = (uInt)in_chunk;
        stream.next_out = buffer + produced;
        stream.avail_out = (uInt)out_chunk;
        int status = inflate(&stream, Z_NO_FLUSH);
        consumed += in_chunk - stream.avail_in;
        produced += out_chunk - stream.avail_out;
        if (produced > max_output) break;
        if (status == Z_STREAM_END) {
            if (consumed == size) {
                inflateEnd(&stream);
                *output = buffer;
                *output_size = produced;
                if (error != NULL && error_size > 0) error[0] = 0;
                return 0;
            }
            if (size - consumed >= 2 && data[consumed] == 0x1F && data[consumed + 1] == 0x8B) {
                inflateReset(&stream);  // another gzip member follows
                continue;
            }
            free(buffer);
            inflateEnd(&stream);
            robust_set_error(error, error_size, "%zu bytes of trailing garbage after the gzip data", size - consumed);
            return -1;
        }
        if (status == Z_OK) continue;
        if (status == Z_BUF_ERROR && consumed == size) {
            free(buffer);
            inflateEnd(&stream);
            robust_set_error(error, error_size, "truncated gzip data (the stream ends early)");
            return -1;
        }
        if (status == Z_BUF_ERROR) continue;  // output full: grows above
        free(buffer);
        robust_set_error(error, error_size, "corrupt gzip data (%s)", stream.msg != NULL ? stream.msg : "zlib error");
        inflateEnd(&stream);
        return -1;
    }
    free(buffer);
    inflateEnd(&stream);
    robust_set_error(error, error_size, "decompresses to more than %zu bytes", max_output);
    return -1;
}
