// Kernel objects still open when a Node environment shuts down (worker exit, process end) are
// released by one cleanup hook; finalizers release the garbage-collected ones earlier.
#pragma once

#include <memory>
#include <unordered_set>

class Releasable {
 public:
  virtual ~Releasable() = default;
  // Frees the kernel resource now; must be idempotent and must not touch JS.
  virtual void Release() = 0;
};

class Registry {
 public:
  void Add(Releasable* r) { items_.insert(r); }
  void Remove(Releasable* r) { items_.erase(r); }
  void ReleaseAll() {
    for (Releasable* r : items_) r->Release();
  }

 private:
  std::unordered_set<Releasable*> items_;
};

// Handles keep the registry alive through a shared_ptr, so the order in which Node tears down
// instance data and wrapped objects does not matter.
using RegistryPtr = std::shared_ptr<Registry>;
