// Tests run one at a time: TrainerResourceTests measures the process's resident memory and live tensors, and several
// trainers' libtorch threads at once would oversubscribe a 2-core machine (steps 10-30x slower). Trainers running
// beside each other stay deterministic; TrainerResourceTests checks that on purpose.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
