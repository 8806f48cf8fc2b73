/* The C++ trainer as the reference of the TorchSharp port's parity tests, in a process of its own (the two libtorch
 * builds cannot share one process). Builds MODEL with SETTINGS_JSON at SEED through mer_train.h, writes its weights
 * as safetensors to WEIGHTS, its eval-mode class probabilities on the inputs to PROBABILITIES (raw float32), and
 * prints its parameter count. Each INPUT is FILE:N,C,H,W, a raw float32 file in C order. WEIGHTS "-" writes none.
 *   mer_train_reference MODEL SETTINGS_JSON SEED WEIGHTS PROBABILITIES INPUT... */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mer_train.h"

static void check(mer_train_status status, const char* what) {
  if (status == MER_TRAIN_OK) return;
  fprintf(stderr, "mer_train_reference: %s: %s\n", what, mer_train_last_error());
  exit(2);
}

int main(int argc, char** argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: mer_train_reference MODEL SETTINGS_JSON SEED WEIGHTS PROBABILITIES FILE:N,C,H,W...\n");
    return 2;
  }
  const int count = argc - 6;
  mer_train_input* inputs = calloc((size_t)count, sizeof(mer_train_input));
  for (int i = 0; i < count; ++i) {
    char* spec = argv[6 + i];
    char* colon = strrchr(spec, ':');
    if (!colon || sscanf(colon + 1, "%" SCNd64 ",%" SCNd64 ",%" SCNd64 ",%" SCNd64, &inputs[i].n, &inputs[i].channels,
                         &inputs[i].height, &inputs[i].width) != 4) {
      fprintf(stderr, "mer_train_reference: input '%s' is not FILE:N,C,H,W\n", spec);
      return 2;
    }
    *colon = '\0';
    size_t values = (size_t)(inputs[i].n * inputs[i].channels * inputs[i].height * inputs[i].width);
    float* data = malloc(values * sizeof(float));
    FILE* file = fopen(spec, "rb");
    if (!file || fread(data, sizeof(float), values, file) != values) {
      fprintf(stderr, "mer_train_reference: cannot read %zu floats from %s\n", values, spec);
      return 2;
    }
    fclose(file);
    inputs[i].data = data;
  }
  char train[64];
  snprintf(train, sizeof train, "{\"seed\": %s, \"threads\": 1}", argv[3]);
  mer_trainer* trainer = NULL;
  check(mer_trainer_create(argv[1], argv[2], train, &trainer), "create");
  if (strcmp(argv[4], "-") != 0) check(mer_trainer_export_weights(trainer, argv[4]), "export");

  int64_t length = 0;
  static char describe[1 << 20];
  check(mer_trainer_describe(trainer, describe, sizeof describe, &length), "describe");
  const char* classes_at = strstr(describe, "\"classes\":");
  const char* parameters_at = strstr(describe, "\"parameters\":");
  if (!classes_at || !parameters_at) {
    fprintf(stderr, "mer_train_reference: describe lacks classes or parameters\n");
    return 2;
  }
  int64_t classes = strtoll(classes_at + 10, NULL, 10), parameters = strtoll(parameters_at + 13, NULL, 10);

  size_t out_count = (size_t)(inputs[0].n * classes);
  float* probabilities = malloc(out_count * sizeof(float));
  check(mer_trainer_predict(trainer, inputs, count, probabilities, (int64_t)out_count), "predict");
  FILE* out = fopen(argv[5], "wb");
  if (!out || fwrite(probabilities, sizeof(float), out_count, out) != out_count) {
    fprintf(stderr, "mer_train_reference: cannot write %s\n", argv[5]);
    return 2;
  }
  fclose(out);
  printf("%" PRId64 "\n", parameters);
  mer_trainer_destroy(trainer);
  return 0;
}
