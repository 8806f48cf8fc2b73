/*
 * mer_train: the training core (libtorch only), exposed as a narrow C ABI.
 *
 * Ownership: every buffer is allocated and owned by the caller and only read (inputs) or filled
 *   (outputs) during the call. Strings are UTF-8, null-terminated, and copied by the library.
 *   Opaque handles are created and destroyed by the matching create/destroy pair.
 * Threading: a handle is used by one thread at a time; different handles may be used concurrently.
 * Errors: every function returns MER_TRAIN_OK (0) or a non-zero status; on failure the calling thread's
 *   message is available from mer_train_last_error() until that thread's next call. No C++ exception
 *   or torch type ever crosses this boundary.
 */
#ifndef MER_TRAIN_H
#define MER_TRAIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MER_TRAIN_API __attribute__((visibility("default")))

typedef int32_t mer_train_status;
enum {
  MER_TRAIN_OK = 0,
  MER_TRAIN_ERR_ARGUMENT = 1, /* a null pointer, a wrong shape or a bad configuration value */
  MER_TRAIN_ERR_IO = 2,       /* a checkpoint that cannot be read or written */
  MER_TRAIN_ERR_INTERNAL = 4  /* anything else, torch errors included */
};

MER_TRAIN_API const char* mer_train_last_error(void);
MER_TRAIN_API const char* mer_train_version(void);

#ifdef __cplusplus
}
#endif
#endif
