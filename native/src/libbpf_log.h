// libbpf reports load problems (the verifier log, BTF and relocation errors) only through its
// print callback; a LogCapture collects them while open/load runs so the thrown error can
// carry them. The callback is process-wide, the capture thread-local (one per JS thread).
#pragma once

#include <string>

void InstallLibbpfPrint();

class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string* previous_;
};
