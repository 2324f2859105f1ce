// Program syscalls: info and BPF_PROG_TEST_RUN.
#include <bpf/bpf.h>

#include "errors.h"
#include "ops.h"

namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_prog_info pi{};
  uint32_t len = sizeof(pi);
  int err = ErrnoOf(bpf_obj_get_info_by_fd(ArgFd(info, 0), &pi, &len));
  if (err) ThrowBpf(env, {err, "bpf_obj_get_info_by_fd"});
  Napi::Object result = Napi::Object::New(env);
  result.Set("id", pi.id);
  result.Set("name", pi.name);
  result.Set("type", pi.type);
  return result;
}

// (fd, dataIn, dataOutSize, repeat, ctxIn | null) -> {retval, duration, dataOut}
Napi::Value TestRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  auto dataIn = ArgBuffer(info, 1);
  uint32_t dataOutSize = ArgU32(info, 2);
  auto dataOut = Napi::Buffer<uint8_t>::New(env, dataOutSize);
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = dataIn.Data();
  opts.data_size_in = dataIn.Length();
  opts.data_out = dataOut.Data();
  opts.data_size_out = dataOutSize;
  opts.repeat = static_cast<int>(ArgU32(info, 3));
  if (!info[4].IsNull()) {
    auto ctx = ArgBuffer(info, 4);
    opts.ctx_in = ctx.Data();
    opts.ctx_size_in = ctx.Length();
  }
  int err = ErrnoOf(bpf_prog_test_run_opts(fd, &opts));
  if (err) ThrowBpf(env, {err, "bpf_prog_test_run_opts"});
  Napi::Object result = Napi::Object::New(env);
  result.Set("retval", opts.retval);
  result.Set("duration", opts.duration);
  result.Set("dataOut", Napi::Buffer<uint8_t>::Copy(env, dataOut.Data(), opts.data_size_out));
  return result;
}

}  // namespace

void RegisterProgOps(Napi::Env env, Napi::Object exports) {
  exports.Set("progInfo", Napi::Function::New<Info>(env));
  exports.Set("progTestRun", Napi::Function::New<TestRun>(env));
}
