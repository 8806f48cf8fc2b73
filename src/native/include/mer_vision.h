/*
 * mer_vision: the preprocessing core (OpenCV 4 + dlib), exposed as a narrow C ABI.
 *
 * Ownership: every buffer is allocated and owned by the caller. Inputs are const pointers that the
 *   library only reads during the call; outputs are caller-sized buffers the library fills. Sizes are
 *   passed explicitly; a buffer that is too small is an error, never an overrun.
 *   Opaque handles (mer_face_model*) are created and destroyed by the matching create/destroy pair.
 * Images: 8-bit, row-major, interleaved channels (1 = gray, 3 = BGR), no padding between rows.
 *   Flow fields: float32, row-major, interleaved (u, v) per pixel, in pixels.
 * Threading: every function is safe to call from several threads at once; a handle may be shared
 *   between threads. mer_vision_set_threads sets OpenCV's pool size for the whole process.
 * Errors: every function returns MER_OK (0) or a non-zero mer_status; on failure the calling thread's
 *   message is available from mer_vision_last_error() until that thread's next call. No C++ exception
 *   ever crosses this boundary.
 */
#ifndef MER_VISION_H
#define MER_VISION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MER_VISION_API __attribute__((visibility("default")))

typedef int32_t mer_status;
enum {
  MER_OK = 0,
  MER_ERR_ARGUMENT = 1,   /* a null pointer, a wrong size or an out-of-range parameter */
  MER_ERR_IO = 2,         /* a file that cannot be read or written */
  MER_ERR_NO_FACE = 3,    /* the detector found no face, even after one upsample */
  MER_ERR_INTERNAL = 4    /* anything else, OpenCV or dlib errors included */
};

/* The message of this thread's last failed call; never null, empty after success. */
MER_VISION_API const char* mer_vision_last_error(void);
MER_VISION_API const char* mer_vision_version(void);
/* OpenCV's worker-thread count for the whole process (n >= 1). */
MER_VISION_API mer_status mer_vision_set_threads(int32_t n);

#ifdef __cplusplus
}
#endif
#endif
