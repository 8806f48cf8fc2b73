/*
 * mer_vision: the preprocessing core (OpenCV 4 + dlib), exposed as a narrow C ABI.
 *
 * Ownership: every buffer is allocated and owned by the caller. Inputs are const pointers that the
 *   library only reads during the call; outputs are caller-sized buffers the library fills. Sizes are
 *   passed explicitly; a buffer that is too small is an error, never an overrun (the one exception,
 *   mer_image_read, is a probe: see there). Nothing the library returns needs to be freed, except
 *   opaque handles (mer_face_model*), which are created and destroyed by their create/destroy pair.
 * Images: 8-bit, row-major, interleaved channels (1 = gray, 3 = BGR), no padding between rows.
 *   A single image is passed as (data, height, width, channels); a clip as an array of mer_image
 *   (input frames are only read, whatever the pointer's constness); all frames of a clip must have
 *   the same size, and a frame that differs is MER_ERR_ARGUMENT naming its index.
 *   Flow fields: float32, row-major, interleaved (u, v) per pixel, in pixels (u to the right, v down).
 *   Points: float32 (x, y) pairs in pixels; landmarks are dlib's 68-point layout (0-based indices).
 * Threading: every function is safe to call from several threads at once; a handle may be shared
 *   between threads (the face model keeps a pool of detectors, one per concurrent caller).
 *   mer_vision_set_threads sets OpenCV's pool size for the whole process.
 * Errors: every function returns MER_OK (0) or a non-zero mer_status; on failure the calling thread's
 *   message is available from mer_vision_last_error() until that thread's next call. Messages name the
 *   file path or the frame index they are about. No C++ exception ever crosses this boundary.
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
/* The index of the clip frame this thread's last error is about (so callers can name its file), else -1. */
MER_VISION_API int32_t mer_vision_last_error_frame(void);
MER_VISION_API const char* mer_vision_version(void);
/* OpenCV's worker-thread count for the whole process (n >= 1). */
MER_VISION_API mer_status mer_vision_set_threads(int32_t n);

/* One frame of a clip, or one output image, in caller memory. */
typedef struct mer_image {
  uint8_t* data;
  int32_t height;
  int32_t width;
  int32_t channels;
} mer_image;

/* ---- Image files (image_io.cpp) ---- */

/* Decodes the file at path. channels: 0 = as stored (gray stays 1, anything else becomes 3 BGR),
 * 1 = gray, 3 = BGR. Always sets *height, *width, *channels; copies the pixels only when capacity
 * >= height*width*channels (so capacity 0 probes the size). A missing or undecodable file is MER_ERR_IO. */
MER_VISION_API mer_status mer_image_read(const char* path, int32_t channels, uint8_t* out, int64_t capacity,
                                         int32_t* height, int32_t* width, int32_t* out_channels);
/* Encodes by the path's extension (.png, .jpg, .jpeg, .bmp). */
MER_VISION_API mer_status mer_image_write(const char* path, const uint8_t* image, int32_t height, int32_t width,
                                          int32_t channels);

/* ---- Faces (face.cpp): dlib HOG frontal detector + 68-landmark shape predictor ---- */

typedef struct mer_face_model mer_face_model;

/* Loads dlib's shape predictor from landmark_model_path (shape_predictor_68_face_landmarks.dat). */
MER_VISION_API mer_status mer_face_model_create(const char* landmark_model_path, mer_face_model** out);
MER_VISION_API void mer_face_model_destroy(mer_face_model* model);
/* The largest face: box = x, y, width, height; landmarks = 68 (x, y) pairs (136 floats). When the
 * detector finds nothing it retries once on the image upsampled 2x; still nothing is MER_ERR_NO_FACE. */
MER_VISION_API mer_status mer_face_detect(mer_face_model* model, const uint8_t* image, int32_t height, int32_t width,
                                          int32_t channels, float* box, float* landmarks);

/* ---- Warping (warp.cpp) ---- */

/* out(x, y) = image(x + u(x, y), y + v(x, y)), bilinear, border replicated. displacement is a
 * height x width flow field; out has the image's size and channels. */
MER_VISION_API mer_status mer_warp_remap(const uint8_t* image, int32_t height, int32_t width, int32_t channels,
                                         const float* displacement, uint8_t* out);

/* ---- Resizing and colour (resize.cpp) ---- */

/* Area averaging when shrinking both sides, bilinear otherwise. out has out_height x out_width x channels. */
MER_VISION_API mer_status mer_image_resize(const uint8_t* image, int32_t height, int32_t width, int32_t channels,
                                           uint8_t* out, int32_t out_height, int32_t out_width);
/* The same for float32 planes with 1..4 interleaved channels (flow: 2, strain: 1); values are not rescaled. */
MER_VISION_API mer_status mer_float_resize(const float* data, int32_t height, int32_t width, int32_t channels,
                                           float* out, int32_t out_height, int32_t out_width);
/* BGR -> gray (ITU-R BT.601 weights). */
MER_VISION_API mer_status mer_image_to_gray(const uint8_t* image, int32_t height, int32_t width, uint8_t* gray);

/* ---- Alignment (align.cpp, eye_level.cpp) ---- */

/* One similarity transform, computed from the first frame's inner eye corners (landmarks 39 and 42), is applied
 * to every frame: corner 39 goes to (0.38, 0.24) * size and corner 42 to (0.62, 0.24) * size, which crops the
 * face from just above the brows to the chin and resizes it to size x size (bilinear, border replicated).
 * out: count images of size x size with the clip's channels; aligned_landmarks: the first frame's 68 landmarks
 * mapped by the transform (136 floats). */
MER_VISION_API mer_status mer_align_clip(const mer_image* frames, int32_t count, const float* first_frame_landmarks,
                                         int32_t size, mer_image* out, float* aligned_landmarks);
/* The canonical positions of landmarks 39 and 42 for an output of size x size: (x39, y39, x42, y42). */
MER_VISION_API mer_status mer_align_canonical_eye_corners(int32_t size, float* corners);
/* The MobileViT-SVM seed's face: gray, rotated about the eye centres' midpoint so the line through the eye
 * centres (means of landmarks 36-41 and 42-47) is horizontal, cropped to the rotated landmarks' bounding square
 * (+5% margin per side), resized to size x size, and when mask_eyes != 0 each eye covered by a black ellipse
 * (half-axes 0.8 and 0.5 of its corner-to-corner width). out: size x size x 1; aligned_landmarks: 136 floats. */
MER_VISION_API mer_status mer_align_eye_level(const uint8_t* image, int32_t height, int32_t width, int32_t channels,
                                              const float* landmarks, int32_t size, int32_t mask_eyes, uint8_t* out,
                                              float* aligned_landmarks);

/* ---- Optical flow (flow.cpp): frames[0] -> frames[1], on gray (BGR is converted) ---- */

/* cv::optflow::DualTVL1OpticalFlow's parameters (Zach, Pock and Bischof 2007); MerCluster.Vision.TvL1Options
 * holds the project's defaults and why. median_filtering: an odd kernel size, 1 = off. */
typedef struct mer_tvl1_params {
  double tau, lambda, theta, epsilon, scale_step;
  int32_t scales, warps, inner_iterations, outer_iterations, median_filtering;
} mer_tvl1_params;
MER_VISION_API mer_status mer_flow_tvl1(const mer_image* frames, const mer_tvl1_params* params, float* flow);

typedef struct mer_farneback_params {
  double pyramid_scale, poly_sigma;
  int32_t levels, window_size, iterations, poly_n;
} mer_farneback_params;
MER_VISION_API mer_status mer_flow_farneback(const mer_image* frames, const mer_farneback_params* params, float* flow);

/* ---- Flow features (strain.cpp, flow_color.cpp) ---- */

/* Per pixel sqrt(u_x^2 + v_y^2 + 0.5 (u_y + v_x)^2); central differences, one-sided at the border.
 * strain: height x width floats. */
MER_VISION_API mer_status mer_optical_strain(const float* flow, int32_t height, int32_t width, float* strain);
/* MJFN's flow image: Middlebury's colour code with its 55-hue wheel, the magnitude normalised by the field's
 * largest one (zero motion is white, the largest fully saturated). Hue follows Middlebury's atan2(-v, -u):
 * right = red, down = yellow, left = cyan-blue, up = blue-magenta. bgr: height x width x 3. */
MER_VISION_API mer_status mer_flow_color(const float* flow, int32_t height, int32_t width, uint8_t* bgr);
/* The wheel itself as RGB triples, hue 0 (red) first. Always sets *hues (55); copies only when
 * capacity_hues >= 55. */
MER_VISION_API mer_status mer_flow_color_wheel(uint8_t* rgb, int32_t capacity_hues, int32_t* hues);

/* ---- Dynamic image (dynamic_image.cpp) ---- */

/* The approximate rank pooling weights a_t = 2(T - t + 1) - (T + 1)(H_T - H_{t-1}), t = 1..T (count doubles). */
MER_VISION_API mer_status mer_rank_pooling_coefficients(int32_t count, double* coefficients);
/* sum_t a_t * frame_t, then min-max scaled to 0..255 over all pixels and channels. out: the frames' size. */
MER_VISION_API mer_status mer_dynamic_image(const mer_image* frames, int32_t count, uint8_t* out);

/* ---- Eulerian video magnification (magnify.cpp) ---- */

enum { MER_BAND_IDEAL = 0, MER_BAND_BUTTERWORTH = 1 };
/* alpha: amplification (motion becomes about (1 + alpha) times larger); low_hz..high_hz at fps: the temporal
 * band; levels: Laplacian pyramid levels (the finest band and the residual are not amplified); lambda_c: EVM's
 * spatial cut-off wavelength in pixels (0 = every amplified level gets alpha); chroma_attenuation: gain on
 * Cr/Cb relative to Y for BGR clips. out: count images with the clip's size and channels. */
typedef struct mer_magnify_params {
  double alpha, low_hz, high_hz, fps, lambda_c, chroma_attenuation;
  int32_t levels, filter;
} mer_magnify_params;
MER_VISION_API mer_status mer_magnify(const mer_image* frames, int32_t count, const mer_magnify_params* params,
                                      mer_image* out);

/* ---- FRL-DGT AU regions (au_regions.cpp) ---- */

/* The 9 regions, in this order: brow left, brow right, between brows, eye left, eye right, nose,
 * mouth corner left, mouth corner right, mouth and chin (image left/right). boxes: 9 x (x, y, width, height). */
MER_VISION_API mer_status mer_au_boxes(const float* landmarks, float* boxes);
/* Each region warped to size x size (bilinear, border replicated). out: 9 images with the image's channels. */
MER_VISION_API mer_status mer_au_crops(const uint8_t* image, int32_t height, int32_t width, int32_t channels,
                                       const float* landmarks, int32_t size, mer_image* out);
/* The same over a float32 field with 1..4 channels (flow, displacement); out: 9 * size * size * channels floats. */
MER_VISION_API mer_status mer_au_crops_float(const float* data, int32_t height, int32_t width, int32_t channels,
                                             const float* landmarks, int32_t size, float* out);

#ifdef __cplusplus
}
#endif
#endif
