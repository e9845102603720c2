// JPEG decoding with libjpeg-turbo behind a setjmp: libjpeg's default error_exit calls exit(), so a custom
// one longjmps back here; corrupt-data warnings are made fatal the same way, and progressive files are
// limited to ROBUST_JPEG_MAX_SCANS scans.
#include "CImageCodecs.h"
#include "common.h"

#include <jerror.h>
#include <jpeglib.h>
#include <setjmp.h>
#include <stdlib.h>

typedef struct {
    struct jpeg_error_mgr base;  // first, so a j_common_ptr's err can be cast to this
    jmp_buf jump;
    char *error;
    size_t error_size;
} jpeg_guard;

typedef struct {
    struct jpeg_progress_mgr base;
    int too_many_scans;
} jpeg_scan_limit;

static void record_message(j_common_ptr cinfo) {
    jpeg_guard *guard = (jpeg_guard *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    buffer[0] = 0;
    (*cinfo->err->format_message)(cinfo, buffer);
    robust_set_error(guard->error, guard->error_size, "%s", buffer);
}

static void on_error_exit(j_common_ptr cinfo) {
    record_message(cinfo);
    longjmp(((jpeg_guard *)cinfo->err)->jump, 1);
}

/// msg_level -1 is a warning: corrupt data is fatal, benign oddities are ignored; trace messages are dropped
/// (nothing is ever printed to stderr).
static void on_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level != -1) return;
    switch (cinfo->err->msg_code) {
    case JWRN_EXTRANEOUS_DATA:  // garbage between markers, skipped exactly
    case JWRN_JFIF_MAJOR:
    case JWRN_ADOBE_XFORM:
    case JWRN_BOGUS_ICC:        // an ICC profile robust does not read anyway
        return;
    default:
        record_message(cinfo);
        longjmp(((jpeg_guard *)cinfo->err)->jump, 1);
    }
}

static void on_progress(j_common_ptr cinfo) {
    if (cinfo->is_decompressor) {
        j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;
        jpeg_scan_limit *limit = (jpeg_scan_limit *)cinfo->progress;
        if (dinfo->input_scan_number > ROBUST_JPEG_MAX_SCANS) {
            limit->too_many_scans = 1;
            jpeg_guard *guard = (jpeg_guard *)cinfo->err;
            robust_set_error(guard->error, guard->error_size, "more than %d progressive scans", ROBUST_JPEG_MAX_SCANS);
            longjmp(guard->jump, 1);
        }
    }
}

int robust_jpeg_decode(const uint8_t *data, size_t size, robust_decoded_image *out, char *error, size_t error_size) {
    if (out == NULL || data == NULL) {
        robust_set_error(error, error_size, "no data");
        return -1;
    }
    out->pixels = NULL;
    out->width = out->height = out->channels = 0;
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        robust_set_error(error, error_size, "not a JPEG file (bad signature)");
        return -1;
    }
    if (size > (size_t)0xFFFFFFFFu) {  // jpeg_mem_src takes an unsigned long; refuse what it cannot describe
        robust_set_error(error, error_size, "file too large");
        return -1;
    }
    struct jpeg_decompress_struct cinfo;
    jpeg_guard guard;
    jpeg_scan_limit limit;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&limit, 0, sizeof limit);
    cinfo.err = jpeg_std_error(&guard.base);
    guard.base.error_exit = on_error_exit;
    guard.base.emit_message = on_message;
    guard.error = error;
    guard.error_size = error_size;
    robust_set_error(error, error_size, "invalid JPEG");
    uint8_t *volatile pixels = NULL;
    if (setjmp(guard.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.mem->max_memory_to_use = 1L << 30;
    limit.base.progress_monitor = on_progress;
    cinfo.progress = &limit.base;
    jpeg_mem_src(&cinfo, (const unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    if (!robust_size_allowed(cinfo.image_width, cinfo.image_height)) {
        robust_set_error(error, error_size, "%lux%lu pixels is over the limit (%d per side, %d pixels)",
                         (unsigned long)cinfo.image_width, (unsigned long)cinfo.image_height,
                         ROBUST_IMAGE_MAX_SIDE, ROBUST_IMAGE_MAX_PIXELS);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        break;
    default:
        robust_set_error(error, error_size, "%s JPEG is not supported (convert it to RGB or greyscale)",
                         cinfo.jpeg_color_space == JCS_CMYK ? "a CMYK" : cinfo.jpeg_color_space == JCS_YCCK ? "a YCCK"
                                                                                                              : "this colour space's");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_start_decompress(&cinfo);
    int channels = cinfo.output_components;
    if ((channels != 1 && channels != 3) || cinfo.output_width != cinfo.image_width
        || cinfo.output_height != cinfo.image_height) {
        robust_set_error(error, error_size, "unexpected JPEG output layout (%d components)", channels);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    size_t row_bytes = (size_t)cinfo.output_width * (size_t)channels;
    pixels = (uint8_t *)malloc(row_bytes * cinfo.output_height);
    if (pixels == NULL) {
        robust_set_error(error, error_size, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * row_bytes;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
            robust_set_error(error, error_size, "truncated JPEG data");
            jpeg_destroy_decompress(&cinfo);
            free(pixels);
            return -1;
        }
    }
    jpeg_finish_decompress(&cinfo);
    out->width = (int32_t)cinfo.output_width;
    out->height = (int32_t)cinfo.output_height;
    out->channels = channels;
    jpeg_destroy_decompress(&cinfo);
    out->pixels = pixels;
    if (error != NULL && error_size > 0) error[0] = 0;
    return 0;
}
