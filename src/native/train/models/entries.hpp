// One entry function per file in models/; registry.cpp lists them.
#pragma once

#include "registry.hpp"

namespace mer::train::models {

ModelEntry ststnet();
ModelEntry mjfn();
ModelEntry msmmt();
ModelEntry mobilevit_svm();
ModelEntry frl_dgt();
ModelEntry mfvan();

}  // namespace mer::train::models
