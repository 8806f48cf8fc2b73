// Training reseeds libtorch's process-wide generator every epoch (dropout masks), so two trainers training at the
// same time in one process disturb each other's reproducibility; the tests compare runs bit for bit, so they run
// one at a time (as folds do: one per worker process).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
