#include "errors.h"

#include <bpf/libbpf.h>

#include <cmath>

namespace {

std::string Describe(int err) {
  char buf[256];
  // libbpf_strerror covers both errno values and libbpf's own LIBBPF_ERRNO__* range.
  if (libbpf_strerror(err, buf, sizeof(buf)) == 0) return buf;
  return "error " + std::to_string(err);
}

}  // namespace

void ThrowBpf(Napi::Env env, const BpfFailure& f) {
  std::string text = f.detail.empty() ? Describe(f.err) : f.detail;
  Napi::Error error = Napi::Error::New(env, f.syscall + ": " + text);
  Napi::Object obj = error.Value();
  obj.Set("errno", Napi::Number::New(env, f.err));
  obj.Set("syscall", Napi::String::New(env, f.syscall));
  obj.Set("strerror", Napi::String::New(env, Describe(f.err)));
  if (!f.detail.empty()) obj.Set("detail", Napi::String::New(env, f.detail));
  if (!f.log.empty()) obj.Set("log", Napi::String::New(env, f.log));
  if (f.done >= 0) obj.Set("done", Napi::Number::New(env, static_cast<double>(f.done)));
  throw error;
}

void ThrowType(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}

int ArgFd(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsNumber()) ThrowType(info.Env(), "argument " + std::to_string(index) + " must be an fd");
  double v = info[index].As<Napi::Number>().DoubleValue();
  if (v < 0 || v > 0x7fffffff || std::floor(v) != v) ThrowType(info.Env(), "invalid fd");
  return static_cast<int>(v);
}

uint32_t ArgU32(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsNumber()) ThrowType(info.Env(), "argument " + std::to_string(index) + " must be a number");
  double v = info[index].As<Napi::Number>().DoubleValue();
  if (v < 0 || v > 0xffffffffu || std::floor(v) != v)
    ThrowType(info.Env(), "argument " + std::to_string(index) + " must be a 32-bit unsigned integer");
  return static_cast<uint32_t>(v);
}

std::string ArgString(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsString()) ThrowType(info.Env(), "argument " + std::to_string(index) + " must be a string");
  return info[index].As<Napi::String>().Utf8Value();
}

Napi::Buffer<uint8_t> ArgBuffer(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsBuffer()) ThrowType(info.Env(), "argument " + std::to_string(index) + " must be a Buffer");
  return info[index].As<Napi::Buffer<uint8_t>>();
}
