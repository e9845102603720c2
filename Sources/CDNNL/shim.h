// CDNNL: the C interface of oneDNN (Debian's libdnnl-dev, 2.6), and four small helpers that keep
// C arrays and OpenMP out of Swift.
#include <oneapi/dnnl/dnnl.h>
#include <dlfcn.h>

// A two-dimensional memory descriptor [d0, d1] in a format tag (dnnl_ab: row-major, dnnl_ba: its
// transpose in memory, dnnl_format_tag_any: let the primitive choose).
static inline dnnl_status_t robust_dnnl_md2(dnnl_memory_desc_t *md, int64_t d0, int64_t d1,
                                            dnnl_data_type_t type, dnnl_format_tag_t tag) {
    dnnl_dims_t dims = {d0, d1};
    return dnnl_memory_desc_init_by_tag(md, 2, dims, type, tag);
}

// A two-dimensional memory descriptor [d0, d1] with element strides (s0, s1).
static inline dnnl_status_t robust_dnnl_md2_strided(dnnl_memory_desc_t *md, int64_t d0, int64_t d1,
                                                    dnnl_data_type_t type, int64_t s0, int64_t s1) {
    dnnl_dims_t dims = {d0, d1};
    dnnl_dims_t strides = {s0, s1};
    return dnnl_memory_desc_init_by_strides(md, 2, dims, type, strides);
}

// oneDNN runs on OpenMP (Debian's build): robust makes its own threads, so every thread that calls
// oneDNN asks OpenMP for a team of one. libgomp is already loaded with libdnnl; without it, nothing to do.
static inline void robust_dnnl_single_thread(void) {
    void *gomp = dlopen("libgomp.so.1", RTLD_LAZY);
    if (!gomp) return;
    void (*set)(int) = (void (*)(int))dlsym(gomp, "omp_set_num_threads");
    if (set) set(1);
    dlclose(gomp);
}

// One execution argument.
static inline dnnl_exec_arg_t robust_dnnl_arg(int name, dnnl_memory_t memory) {
    dnnl_exec_arg_t arg = {name, memory};
    return arg;
}
