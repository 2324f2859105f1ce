// Map syscalls on fds owned by FdHandles. The raw binding trusts key/value sizes: BpfMap
// (native/lib/map.ts) checks every Buffer against the map's info before calling in.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include "errors.h"
#include "fd_handle.h"
#include "ops.h"

namespace {

#ifndef ENOTSUPP
#define ENOTSUPP 524  // kernel-internal "no such operation for this map type"
#endif

void RequireLength(Napi::Env env, const Napi::Buffer<uint8_t>& buffer, size_t expected, const char* what) {
  if (buffer.Length() != expected)
    ThrowType(env, std::string(what) + " is " + std::to_string(buffer.Length()) + " bytes, expected " +
                       std::to_string(expected));
}

Napi::Value Lookup(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  auto key = ArgBuffer(info, 1);
  uint32_t valueSize = ArgU32(info, 2);
  auto value = Napi::Buffer<uint8_t>::New(info.Env(), valueSize);
  int err = ErrnoOf(bpf_map_lookup_elem(fd, key.Data(), value.Data()));
  if (err == ENOENT) return info.Env().Null();
  if (err) ThrowBpf(info.Env(), {err, "bpf_map_lookup_elem"});
  return value;
}

void Update(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  auto key = ArgBuffer(info, 1);
  auto value = ArgBuffer(info, 2);
  int err = ErrnoOf(bpf_map_update_elem(fd, key.Data(), value.Data(), ArgU32(info, 3)));
  if (err) ThrowBpf(info.Env(), {err, "bpf_map_update_elem"});
}

Napi::Value Delete(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  auto key = ArgBuffer(info, 1);
  int err = ErrnoOf(bpf_map_delete_elem(fd, key.Data()));
  if (err == ENOENT) return Napi::Boolean::New(info.Env(), false);
  if (err) ThrowBpf(info.Env(), {err, "bpf_map_delete_elem"});
  return Napi::Boolean::New(info.Env(), true);
}

Napi::Value NextKey(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  const void* key = info[1].IsNull() ? nullptr : ArgBuffer(info, 1).Data();
  auto next = Napi::Buffer<uint8_t>::New(info.Env(), ArgU32(info, 2));
  int err = ErrnoOf(bpf_map_get_next_key(fd, key, next.Data()));
  if (err == ENOENT) return info.Env().Null();
  if (err) ThrowBpf(info.Env(), {err, "bpf_map_get_next_key"});
  return next;
}

bpf_map_batch_opts BatchOpts(uint64_t elemFlags) {
  bpf_map_batch_opts opts{};
  opts.sz = sizeof(opts);
  opts.elem_flags = elemFlags;
  return opts;
}

// Elements done before a failed batch. The kernel leaves count untouched when it fails before
// the loop (bad flags, unsupported op): a failure with all elements "done" means none were.
long long BatchDone(int err, uint32_t done, uint32_t count) {
  if (err == EFAULT || done >= count) return 0;
  return done;
}

// An update on a thread of its own, for updates that block: a map-of-maps update waits an RCU
// grace period (synchronize_rcu), which the caller need not wait for until it next needs it.
// Key and value are copied; the fd must stay open until mapUpdateJoin returns.
struct PendingUpdate {
  std::thread thread;
  int err = 0;
  ~PendingUpdate() {
    if (thread.joinable()) thread.join();  // garbage-collected unjoined: never leave it running
  }
};

// (fd, key, value, flags) -> External<PendingUpdate>
Napi::Value UpdateStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  auto key = ArgBuffer(info, 1);
  auto value = ArgBuffer(info, 2);
  uint32_t flags = ArgU32(info, 3);
  std::vector<uint8_t> k(key.Data(), key.Data() + key.Length());
  std::vector<uint8_t> v(value.Data(), value.Data() + value.Length());
  auto* pending = new PendingUpdate();
  try {
    pending->thread = std::thread([pending, fd, k = std::move(k), v = std::move(v), flags] {
      pending->err = ErrnoOf(bpf_map_update_elem(fd, k.data(), v.data(), flags));
    });
  } catch (const std::system_error& e) {
    delete pending;
    ThrowBpf(env, {e.code().value() ? e.code().value() : EAGAIN, "pthread_create"});
  }
  return Napi::External<PendingUpdate>::New(env, pending, [](Napi::Env, PendingUpdate* p) { delete p; });
}

// (External<PendingUpdate>): waits for the thread; throws the update's failure. Once per update.
void UpdateJoin(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) ThrowType(info.Env(), "argument 0 must be a pending update");
  auto* pending = info[0].As<Napi::External<PendingUpdate>>().Data();
  if (!pending->thread.joinable()) ThrowType(info.Env(), "the update was joined already");
  pending->thread.join();
  if (pending->err) ThrowBpf(info.Env(), {pending->err, "bpf_map_update_elem"});
}

// (fd, keys, values, count, keySize, valueSize, flags)
void UpdateBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  auto keys = ArgBuffer(info, 1);
  auto values = ArgBuffer(info, 2);
  uint32_t count = ArgU32(info, 3);
  RequireLength(env, keys, size_t(count) * ArgU32(info, 4), "keys");
  RequireLength(env, values, size_t(count) * ArgU32(info, 5), "values");
  bpf_map_batch_opts opts = BatchOpts(ArgU32(info, 6));
  uint32_t done = count;
  int err = ErrnoOf(bpf_map_update_batch(fd, keys.Data(), values.Data(), &done, &opts));
  if (err) ThrowBpf(env, {err, "bpf_map_update_batch", "", "", BatchDone(err, done, count)});
}

// (fd, keys, count, keySize)
void DeleteBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  auto keys = ArgBuffer(info, 1);
  uint32_t count = ArgU32(info, 2);
  RequireLength(env, keys, size_t(count) * ArgU32(info, 3), "keys");
  bpf_map_batch_opts opts = BatchOpts(0);
  uint32_t done = count;
  int err = ErrnoOf(bpf_map_delete_batch(fd, keys.Data(), &done, &opts));
  if (err) ThrowBpf(env, {err, "bpf_map_delete_batch", "", "", BatchDone(err, done, count)});
}

// (fd, keySize, valueSize, maxEntries) -> {keys, values, count}: the whole map, chunk by chunk.
Napi::Value LookupBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  size_t keySize = ArgU32(info, 1), valueSize = ArgU32(info, 2);
  uint32_t maxEntries = ArgU32(info, 3);
  uint32_t chunk = std::clamp<uint32_t>(maxEntries, 1, 1024);
  // Hash maps use a 4-byte bucket cursor, other maps a key: size the cursor for both.
  std::vector<uint8_t> cursorIn(std::max<size_t>(keySize, 8)), cursorOut(cursorIn.size());
  std::vector<uint8_t> keys, values;
  size_t total = 0;
  bool first = true;
  bpf_map_batch_opts opts = BatchOpts(0);
  for (;;) {
    keys.resize((total + chunk) * keySize);
    values.resize((total + chunk) * valueSize);
    uint32_t n = chunk;
    int err = ErrnoOf(bpf_map_lookup_batch(fd, first ? nullptr : cursorIn.data(), cursorOut.data(),
                                           keys.data() + total * keySize, values.data() + total * valueSize, &n,
                                           &opts));
    if (err == ENOSPC && n == 0 && chunk < (1u << 20)) {
      chunk *= 2;  // one hash bucket holds more elements than the chunk: retry bigger
      continue;
    }
    if (err && err != ENOENT) ThrowBpf(env, {err, "bpf_map_lookup_batch", "", "", static_cast<long long>(total)});
    total += n;
    if (err == ENOENT) break;  // ENOENT ends the walk, with the last elements in this chunk
    std::swap(cursorIn, cursorOut);
    first = false;
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("keys", Napi::Buffer<uint8_t>::Copy(env, keys.data(), total * keySize));
  result.Set("values", Napi::Buffer<uint8_t>::Copy(env, values.data(), total * valueSize));
  result.Set("count", Napi::Number::New(env, static_cast<double>(total)));
  return result;
}

// (type, keySize, valueSize, maxEntries, flags, name) -> FdHandle
Napi::Value Create(const Napi::CallbackInfo& info) {
  bpf_map_create_opts opts{};
  opts.sz = sizeof(opts);
  opts.map_flags = ArgU32(info, 4);
  std::string name = ArgString(info, 5);
  int fd = bpf_map_create(static_cast<bpf_map_type>(ArgU32(info, 0)), name.empty() ? nullptr : name.c_str(),
                          ArgU32(info, 1), ArgU32(info, 2), ArgU32(info, 3), &opts);
  if (fd < 0) ThrowBpf(info.Env(), {-fd, "bpf_map_create"});
  return FdHandle::Wrap(info.Env(), fd);
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_map_info mi{};
  uint32_t len = sizeof(mi);
  int err = ErrnoOf(bpf_obj_get_info_by_fd(ArgFd(info, 0), &mi, &len));
  if (err) ThrowBpf(env, {err, "bpf_obj_get_info_by_fd"});
  Napi::Object result = Napi::Object::New(env);
  result.Set("id", mi.id);
  result.Set("name", mi.name);
  result.Set("type", mi.type);
  result.Set("keySize", mi.key_size);
  result.Set("valueSize", mi.value_size);
  result.Set("maxEntries", mi.max_entries);
  result.Set("flags", mi.map_flags);
  return result;
}

// (handle, dataSize) -> ArrayBuffer over the value area, page-rounded.
Napi::Value Mmap(const Napi::CallbackInfo& info) {
  return FdHandle::From(info.Env(), info[0])->MapMemory(info.Env(), ArgU32(info, 1));
}

void Unmap(const Napi::CallbackInfo& info) { FdHandle::From(info.Env(), info[0])->UnmapMemory(); }

// Does this kernel know the batch commands at all? Asked once per process on a tiny array
// (cilium/ebpf does the same); per-map-type support is learned from ENOTSUPP in TypeScript.
Napi::Value BatchApiSupported(const Napi::CallbackInfo& info) {
  static const bool supported = [] {
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, nullptr, 4, 4, 1, nullptr);
    if (fd < 0) return false;
    uint32_t key = 0, value = 0, count = 1;
    int err = ErrnoOf(bpf_map_update_batch(fd, &key, &value, &count, nullptr));
    close(fd);
    return err != EINVAL && err != ENOTSUPP && err != EOPNOTSUPP;
  }();
  return Napi::Boolean::New(info.Env(), supported);
}

}  // namespace

void RegisterMapOps(Napi::Env env, Napi::Object exports) {
  exports.Set("mapLookup", Napi::Function::New<Lookup>(env));
  exports.Set("mapUpdate", Napi::Function::New<Update>(env));
  exports.Set("mapDelete", Napi::Function::New<Delete>(env));
  exports.Set("mapNextKey", Napi::Function::New<NextKey>(env));
  exports.Set("mapUpdateStart", Napi::Function::New<UpdateStart>(env));
  exports.Set("mapUpdateJoin", Napi::Function::New<UpdateJoin>(env));
  exports.Set("mapUpdateBatch", Napi::Function::New<UpdateBatch>(env));
  exports.Set("mapDeleteBatch", Napi::Function::New<DeleteBatch>(env));
  exports.Set("mapLookupBatch", Napi::Function::New<LookupBatch>(env));
  exports.Set("mapCreate", Napi::Function::New<Create>(env));
  exports.Set("mapInfo", Napi::Function::New<Info>(env));
  exports.Set("mapMmap", Napi::Function::New<Mmap>(env));
  exports.Set("mapUnmap", Napi::Function::New<Unmap>(env));
  exports.Set("batchApiSupported", Napi::Function::New<BatchApiSupported>(env));
}
