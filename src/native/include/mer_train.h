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
 * Configuration: JSON object strings. Model settings are per model (mer_train_models lists them with defaults);
 *   training settings are the keys of the YAML `train:` section (optimizer, learning_rate, weight_decay, momentum,
 *   schedule, epochs, batch_size, seed, threads, device, rotation_degrees, horizontal_flip, scale_jitter,
 *   class_balanced, checkpoint_every). An unknown key or a bad value is MER_TRAIN_ERR_ARGUMENT naming the key.
 * Determinism: with the same seed, threads and data, CPU training gives identical weights and predictions. Every
 *   epoch reseeds torch's global generator (dropout) from (seed, epoch), so two trainers must not train
 *   concurrently in one process if their results are to be reproducible; run one fold per process.
 * JSON outputs (mer_train_models, mer_trainer_describe) are written to a caller buffer of `capacity` bytes; the
 *   call stores the length needed (without the terminating zero) in *length and fails with MER_TRAIN_ERR_ARGUMENT
 *   when the buffer is too small, so a caller retries with a larger one.
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
  MER_TRAIN_ERR_CANCELLED = 3, /* the progress callback asked to stop (a checkpoint keeps the last completed epoch) */
  MER_TRAIN_ERR_INTERNAL = 4  /* anything else, torch errors included */
};

MER_TRAIN_API const char* mer_train_last_error(void);
MER_TRAIN_API const char* mer_train_version(void);

/* One input of a batch of samples: n x channels x height x width float32 values in C order. */
typedef struct mer_train_input {
  const float* data;
  int64_t n, channels, height, width;
} mer_train_input;

/* Progress after each optimisation step. loss is the epoch's mean training loss when epoch_done is 1, else NaN. */
typedef struct mer_train_progress {
  int32_t epoch, epochs; /* the epoch being run (1-based) and the last one */
  int32_t step, steps;   /* the step just done within the epoch (1-based) and the epoch's step count */
  int32_t epoch_done;
  double loss;
  double samples_per_s;  /* of this epoch so far */
} mer_train_progress;

/* Return 0 to go on, non-zero to cancel (the call then fails with MER_TRAIN_ERR_CANCELLED). */
typedef int32_t (*mer_train_progress_fn)(const mer_train_progress* progress, void* user);

typedef struct mer_train_bench {
  double trainer_seconds; /* one epoch through mer_trainer_fit's loop, best of the repeats */
  double raw_seconds;     /* the same batches through forward + loss + backward + step alone, best of the repeats */
  int64_t steps;          /* optimisation steps per epoch */
  int32_t threads;        /* the intra-op threads torch used */
} mer_train_bench;

typedef struct mer_trainer mer_trainer;

/* The registry as JSON: [{"name", "summary", "inputs": [{"name", "description", "shape"}], "defaults": {...}}]. */
MER_TRAIN_API mer_train_status mer_train_models(char* buffer, int64_t capacity, int64_t* length);

/* A model from the registry with its optimizer, at epoch 0. */
MER_TRAIN_API mer_train_status mer_trainer_create(const char* model, const char* model_config_json,
                                                  const char* train_config_json, mer_trainer** out);
/* A trainer from a checkpoint, at the checkpoint's epoch; train_overrides_json (may be NULL) replaces training
 * keys, e.g. {"epochs": 300, "device": "cuda:1", "threads": 4}. */
MER_TRAIN_API mer_train_status mer_trainer_load(const char* path, const char* train_overrides_json, mer_trainer** out);
MER_TRAIN_API void mer_trainer_destroy(mer_trainer* trainer);

/* JSON: {"model", "model_config", "train_config", "epoch", "classes", "parameters", "feature_size",
 * "threads", "inputs": [...], "shapes": [{"name", "shape"}] (per-sample activation shapes of one forward pass),
 * "parameter_groups": [{"name", "parameters", "learning_rate" (of the epoch run last), "scheduled"}]}. */
MER_TRAIN_API mer_train_status mer_trainer_describe(mer_trainer* trainer, char* buffer, int64_t capacity, int64_t* length);
MER_TRAIN_API mer_train_status mer_trainer_epoch(mer_trainer* trainer, int32_t* epoch);

/* Trains from the epoch reached to the configured epochs. inputs: one per model input, in the model's order, all
 * with the same n; labels: n class indices; weights: n per-sample loss weights or NULL; checkpoint_path: written
 * every checkpoint_every epochs and at the end, or NULL; progress may be NULL. */
MER_TRAIN_API mer_train_status mer_trainer_fit(mer_trainer* trainer, const mer_train_input* inputs, int32_t input_count,
                                               const int64_t* labels, const float* weights, const char* checkpoint_path,
                                               mer_train_progress_fn progress, void* user);

/* Class probabilities (n x classes) / penultimate features (n x feature_size) into out, capacity in floats. */
MER_TRAIN_API mer_train_status mer_trainer_predict(mer_trainer* trainer, const mer_train_input* inputs, int32_t input_count,
                                                   float* out, int64_t capacity);
MER_TRAIN_API mer_train_status mer_trainer_features(mer_trainer* trainer, const mer_train_input* inputs, int32_t input_count,
                                                    float* out, int64_t capacity);

/* Model, optimizer state, epoch and both configurations; written to a temporary file and renamed into place. */
MER_TRAIN_API mer_train_status mer_trainer_save(mer_trainer* trainer, const char* path);

/* Every parameter and buffer of the model, by its module path, as a safetensors file (F32; integer buffers as I64):
 * the reference weights the TorchSharp port's parity tests load. */
MER_TRAIN_API mer_train_status mer_trainer_export_weights(mer_trainer* trainer, const char* path);

/* Trains 1 + 2 x repeats epochs (the first warms up), timing the trainer's loop against the same batches run as bare
 * libtorch steps; it changes the weights, so use a trainer made for it. */
MER_TRAIN_API mer_train_status mer_trainer_benchmark(mer_trainer* trainer, const mer_train_input* inputs, int32_t input_count,
                                                     const int64_t* labels, int32_t repeats, mer_train_bench* out);

#ifdef __cplusplus
}
#endif
#endif
