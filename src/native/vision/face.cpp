// dlib's HOG frontal face detector and 68-landmark shape predictor behind one handle.
#include "buffers.hpp"
#include "mer_vision.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

struct mer_face_model {
  // The shape predictor's operator() is const and keeps no state, so one copy serves every thread.
  dlib::shape_predictor predictor;
  // A detector's operator() mutates its scanner's buffers: each concurrent caller borrows its own.
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<dlib::frontal_face_detector>> idle_detectors;

  std::unique_ptr<dlib::frontal_face_detector> borrow() {
    {
      std::lock_guard<std::mutex> lock(pool_mutex);
      if (!idle_detectors.empty()) {
        auto detector = std::move(idle_detectors.back());
        idle_detectors.pop_back();
        return detector;
      }
    }
    return std::make_unique<dlib::frontal_face_detector>(dlib::get_frontal_face_detector());
  }

  void give_back(std::unique_ptr<dlib::frontal_face_detector> detector) {
    std::lock_guard<std::mutex> lock(pool_mutex);
    idle_detectors.push_back(std::move(detector));
  }
};

namespace {

// The largest face, in the coordinates of `gray`; retried once on a 2x upsampled copy (small faces).
bool find_face(mer_face_model& model, const cv::Mat& gray, dlib::rectangle& face) {
  auto detector = model.borrow();
  struct Return {
    mer_face_model& model;
    std::unique_ptr<dlib::frontal_face_detector>& detector;
    ~Return() { model.give_back(std::move(detector)); }
  } give_back{model, detector};

  dlib::cv_image<unsigned char> image(gray);
  std::vector<dlib::rectangle> faces = (*detector)(image);
  double scale = 1.0;
  if (faces.empty()) {
    cv::Mat upsampled;
    cv::resize(gray, upsampled, cv::Size(), 2.0, 2.0, cv::INTER_LINEAR);
    faces = (*detector)(dlib::cv_image<unsigned char>(upsampled));
    scale = 0.5;
  }
  if (faces.empty()) return false;
  const auto largest = *std::max_element(faces.begin(), faces.end(),
                                         [](const auto& a, const auto& b) { return a.area() < b.area(); });
  face = dlib::rectangle(static_cast<long>(largest.left() * scale), static_cast<long>(largest.top() * scale),
                         static_cast<long>(largest.right() * scale), static_cast<long>(largest.bottom() * scale));
  return true;
}

}  // namespace

extern "C" mer_status mer_face_model_create(const char* landmark_model_path, mer_face_model** out) {
  return mer::guarded([&] {
    mer::require_pointer(landmark_model_path, "landmark_model_path");
    mer::require_pointer(out, "out");
    *out = nullptr;
    auto model = std::make_unique<mer_face_model>();
    try {
      dlib::deserialize(landmark_model_path) >> model->predictor;
    } catch (const std::exception& e) {
      throw mer::Error(MER_ERR_IO, std::string(landmark_model_path) + ": cannot load the dlib landmark model: " + e.what());
    }
    if (model->predictor.num_parts() != 68)
      throw mer::Error(MER_ERR_IO, std::string(landmark_model_path) + ": expected a 68-landmark model, got " +
                                       std::to_string(model->predictor.num_parts()) + " parts");
    *out = model.release();
  });
}

extern "C" void mer_face_model_destroy(mer_face_model* model) { delete model; }

extern "C" mer_status mer_face_detect(mer_face_model* model, const uint8_t* image, int32_t height, int32_t width,
                                      int32_t channels, float* box, float* landmarks) {
  return mer::guarded([&] {
    mer::require_pointer(model, "model");
    mer::require_pointer(box, "box");
    mer::require_pointer(landmarks, "landmarks");
    const cv::Mat view = mer::image_view(image, height, width, channels, "image");
    cv::Mat gray;
    if (channels == 3)
      cv::cvtColor(view, gray, cv::COLOR_BGR2GRAY);
    else
      gray = view;

    dlib::rectangle face;
    if (!find_face(*model, gray, face))
      throw mer::Error(MER_ERR_NO_FACE, "no face found (also after one 2x upsample)");

    const dlib::full_object_detection shape = model->predictor(dlib::cv_image<unsigned char>(gray), face);
    box[0] = static_cast<float>(face.left());
    box[1] = static_cast<float>(face.top());
    box[2] = static_cast<float>(face.width());
    box[3] = static_cast<float>(face.height());
    for (unsigned long i = 0; i < shape.num_parts(); ++i) {
      landmarks[2 * i] = static_cast<float>(shape.part(i).x());
      landmarks[2 * i + 1] = static_cast<float>(shape.part(i).y());
    }
  });
}
