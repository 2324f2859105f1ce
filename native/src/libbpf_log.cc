#include "libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace {

thread_local std::string* g_capture = nullptr;

// Verifier logs of large programs run to megabytes; the tail is what explains a failure.
constexpr size_t kMaxCapture = 1 << 20;

int Print(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG || g_capture == nullptr) return 0;
  va_list copy;
  va_copy(copy, args);
  char small[1024];
  int n = vsnprintf(small, sizeof(small), format, copy);
  va_end(copy);
  if (n < 0) return n;
  if (static_cast<size_t>(n) < sizeof(small)) {
    g_capture->append(small, n);
  } else {
    std::string big(static_cast<size_t>(n) + 1, '\0');
    vsnprintf(big.data(), big.size(), format, args);
    big.resize(n);
    g_capture->append(big);
  }
  if (g_capture->size() > kMaxCapture) g_capture->erase(0, g_capture->size() - kMaxCapture);
  return n;
}

}  // namespace

void InstallLibbpfPrint() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(Print); });
}

LogCapture::LogCapture() : previous_(g_capture) { g_capture = &text_; }

LogCapture::~LogCapture() { g_capture = previous_; }
