#include "fd_handle.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "addon_data.h"
#include "errors.h"

namespace {
// Only C++ can construct handles: JS cannot forge this External, so `new handle.constructor(3)`
// cannot adopt someone else's fd.
int g_constructToken;
}  // namespace

void MmapRegion::Unmap() {
  if (addr != nullptr) munmap(addr, length);
  addr = nullptr;
}

Napi::Function FdHandle::Define(Napi::Env env) {
  return DefineClass(env, "FdHandle",
                     {InstanceAccessor<&FdHandle::GetFd>("fd"), InstanceMethod<&FdHandle::Close>("close")});
}

Napi::Object FdHandle::Wrap(Napi::Env env, int fd) {
  try {
    return GetAddonData(env).fdHandleCtor.New(
        {Napi::External<int>::New(env, &g_constructToken), Napi::Number::New(env, fd)});
  } catch (...) {
    close(fd);
    throw;
  }
}

FdHandle* FdHandle::From(Napi::Env env, Napi::Value value) {
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(GetAddonData(env).fdHandleCtor.Value()))
    ThrowType(env, "expected an FdHandle");
  return Unwrap(value.As<Napi::Object>());
}

FdHandle::FdHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FdHandle>(info) {
  if (info.Length() != 2 || !info[0].IsExternal() || info[0].As<Napi::External<int>>().Data() != &g_constructToken)
    ThrowType(info.Env(), "FdHandle is created by the addon only");
  fd_ = info[1].As<Napi::Number>().Int32Value();
  registry_ = GetAddonData(info.Env()).registry;
  registry_->Add(this);
}

FdHandle::~FdHandle() {
  registry_->Remove(this);
  // A live ArrayBuffer keeps its mapping: its own finalizer unmaps it (the mapping, not the fd,
  // keeps the map's memory alive).
  region_.reset();
  CloseFd();
}

void FdHandle::Release() {
  if (region_) region_->Unmap();
  CloseFd();
}

void FdHandle::CloseFd() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

Napi::Value FdHandle::GetFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

void FdHandle::Close(const Napi::CallbackInfo&) {
  UnmapMemory();
  CloseFd();
}

Napi::Value FdHandle::MapMemory(Napi::Env env, size_t dataSize) {
  if (region_ && region_->addr != nullptr && !buffer_.IsEmpty() && !buffer_.Value().IsEmpty())
    return buffer_.Value();
  if (fd_ < 0) ThrowBpf(env, {EBADF, "mmap"});
  long page = sysconf(_SC_PAGESIZE);
  size_t length = (dataSize + page - 1) / page * page;
  void* addr = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (addr == MAP_FAILED) ThrowBpf(env, {errno, "mmap"});
  region_ = std::make_shared<MmapRegion>(MmapRegion{addr, length});
  auto* hint = new std::shared_ptr<MmapRegion>(region_);
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
      env, addr, length,
      [](Napi::Env, void*, std::shared_ptr<MmapRegion>* region) {
        (*region)->Unmap();
        delete region;
      },
      hint);
  buffer_ = Napi::Weak(buffer);
  return buffer;
}

void FdHandle::UnmapMemory() {
  if (!region_) return;
  // Detach first so no JS view can touch the pages after munmap.
  if (!buffer_.IsEmpty()) {
    Napi::ArrayBuffer buffer = buffer_.Value();
    if (!buffer.IsEmpty() && !buffer.IsDetached()) buffer.Detach();
  }
  buffer_.Reset();
  region_->Unmap();
  region_.reset();
}
