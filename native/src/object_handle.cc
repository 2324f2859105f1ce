#include "object_handle.h"

#include <bpf/libbpf.h>
#include <fcntl.h>

#include <cerrno>
#include <memory>

#include "addon_data.h"
#include "errors.h"
#include "fd_handle.h"
#include "libbpf_log.h"

namespace {

int g_constructToken;

struct ObjectCloser {
  void operator()(bpf_object* obj) const { bpf_object__close(obj); }
};
using ObjectPtr = std::unique_ptr<bpf_object, ObjectCloser>;

bpf_map* FindMap(Napi::Env env, bpf_object* obj, const std::string& name, const LogCapture& log) {
  bpf_map* map = bpf_object__find_map_by_name(obj, name.c_str());
  if (map == nullptr)
    ThrowBpf(env, {ENOENT, "bpf_object__find_map_by_name", "no map named \"" + name + "\" in the object", log.text()});
  return map;
}

// The options object holds plain records (name -> value); iterate them in insertion order.
template <typename Fn>
void ForEachEntry(Napi::Object options, const char* key, Fn fn) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return;
  if (!value.IsObject()) ThrowType(options.Env(), std::string("options.") + key + " must be an object");
  Napi::Object record = value.As<Napi::Object>();
  Napi::Array names = record.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); i++) {
    std::string name = names.Get(i).As<Napi::String>().Utf8Value();
    fn(name, record.Get(name));
  }
}

void ApplyOptions(Napi::Env env, bpf_object* obj, Napi::Object options, const LogCapture& log) {
  ForEachEntry(options, "maxEntries", [&](const std::string& name, Napi::Value v) {
    int err = ErrnoOf(bpf_map__set_max_entries(FindMap(env, obj, name, log), v.As<Napi::Number>().Uint32Value()));
    if (err) ThrowBpf(env, {err, "bpf_map__set_max_entries", "", log.text()});
  });
  ForEachEntry(options, "reuseFds", [&](const std::string& name, Napi::Value v) {
    // libbpf dup()s the fd; the caller keeps (and closes) its own.
    int err = ErrnoOf(bpf_map__reuse_fd(FindMap(env, obj, name, log), v.As<Napi::Number>().Int32Value()));
    if (err) ThrowBpf(env, {err, "bpf_map__reuse_fd", "", log.text()});
  });
  ForEachEntry(options, "rodata", [&](const std::string& name, Napi::Value v) {
    bpf_map* map = FindMap(env, obj, name, log);
    auto bytes = v.As<Napi::Buffer<uint8_t>>();
    size_t size = 0;
    if (bpf_map__initial_value(map, &size) == nullptr)
      ThrowBpf(env, {EINVAL, "bpf_map__set_initial_value",
                     "map \"" + name + "\" has no initial value (not a .data/.rodata/.bss map)"});
    // libbpf only accepts the whole section; say so instead of a bare EINVAL.
    if (bytes.Length() != size)
      ThrowBpf(env, {EINVAL, "bpf_map__set_initial_value",
                     "initial value of map \"" + name + "\" is " + std::to_string(bytes.Length()) +
                         " bytes, expected " + std::to_string(size)});
    int err = ErrnoOf(bpf_map__set_initial_value(map, bytes.Data(), bytes.Length()));
    if (err) ThrowBpf(env, {err, "bpf_map__set_initial_value", "", log.text()});
  });
}

Napi::Value DupToHandle(Napi::Env env, int fd, const char* what) {
  if (fd < 0) return env.Null();  // not loaded (autoload off)
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) ThrowBpf(env, {errno, std::string("dup of ") + what});
  return FdHandle::Wrap(env, copy);
}

}  // namespace

Napi::Function ObjectHandle::Define(Napi::Env env) {
  return DefineClass(env, "ObjectHandle",
                     {InstanceMethod<&ObjectHandle::MapNames>("mapNames"),
                      InstanceMethod<&ObjectHandle::ProgramNames>("programNames"),
                      InstanceMethod<&ObjectHandle::Map>("map"), InstanceMethod<&ObjectHandle::Program>("program"),
                      InstanceMethod<&ObjectHandle::Close>("close")});
}

Napi::Value ObjectHandle::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0);
  if (!info[1].IsObject()) ThrowType(env, "options must be an object");
  Napi::Object options = info[1].As<Napi::Object>();

  LogCapture log;
  ObjectPtr obj(bpf_object__open_file(path.c_str(), nullptr));
  if (!obj) ThrowBpf(env, {errno, "bpf_object__open_file", "", log.text()});
  ApplyOptions(env, obj.get(), options, log);
  int err = ErrnoOf(bpf_object__load(obj.get()));
  if (err) ThrowBpf(env, {err, "bpf_object__load", "", log.text()});

  Napi::Object handle = GetAddonData(env).objectHandleCtor.New({Napi::External<int>::New(env, &g_constructToken)});
  Unwrap(handle)->obj_ = obj.release();
  return handle;
}

ObjectHandle::ObjectHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ObjectHandle>(info) {
  if (info.Length() != 1 || !info[0].IsExternal() || info[0].As<Napi::External<int>>().Data() != &g_constructToken)
    ThrowType(info.Env(), "ObjectHandle is created by openObject() only");
  registry_ = GetAddonData(info.Env()).registry;
  registry_->Add(this);
}

ObjectHandle::~ObjectHandle() {
  registry_->Remove(this);
  Release();
}

void ObjectHandle::Release() {
  if (obj_ != nullptr) bpf_object__close(obj_);
  obj_ = nullptr;
}

bpf_object* ObjectHandle::Loaded(Napi::Env env) {
  if (obj_ == nullptr) ThrowBpf(env, {EBADF, "bpf_object", "object is closed"});
  return obj_;
}

Napi::Value ObjectHandle::MapNames(const Napi::CallbackInfo& info) {
  Napi::Array names = Napi::Array::New(info.Env());
  bpf_map* map;
  bpf_object__for_each_map(map, Loaded(info.Env())) {
    names.Set(names.Length(), Napi::String::New(info.Env(), bpf_map__name(map)));
  }
  return names;
}

Napi::Value ObjectHandle::ProgramNames(const Napi::CallbackInfo& info) {
  Napi::Array names = Napi::Array::New(info.Env());
  bpf_program* prog;
  bpf_object__for_each_program(prog, Loaded(info.Env())) {
    names.Set(names.Length(), Napi::String::New(info.Env(), bpf_program__name(prog)));
  }
  return names;
}

Napi::Value ObjectHandle::Map(const Napi::CallbackInfo& info) {
  bpf_map* map = bpf_object__find_map_by_name(Loaded(info.Env()), ArgString(info, 0).c_str());
  if (map == nullptr) return info.Env().Null();
  return DupToHandle(info.Env(), bpf_map__fd(map), "map fd");
}

Napi::Value ObjectHandle::Program(const Napi::CallbackInfo& info) {
  bpf_program* prog = bpf_object__find_program_by_name(Loaded(info.Env()), ArgString(info, 0).c_str());
  if (prog == nullptr) return info.Env().Null();
  return DupToHandle(info.Env(), bpf_program__fd(prog), "program fd");
}

void ObjectHandle::Close(const Napi::CallbackInfo&) { Release(); }
