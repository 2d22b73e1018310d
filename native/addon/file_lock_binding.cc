// tryLockFile(fd) -> boolean and unlockFile(fd): an exclusive advisory lock (flock) on a file descriptor opened in
// JS. The package's cross-process file lock (src/util/file-lock.ts) is built on it because the kernel releases the
// lock when its holder dies: no stale lock to judge by pid, host or heartbeat, and a JS thread blocked for minutes
// keeps it. Non-blocking only (LOCK_NB): waiting is a poll on the JS side, never a blocked event loop.
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

#if !defined(_WIN32)
#include <sys/file.h>
#endif

#include "bindings.h"
#include "napi_util.h"

namespace trtl {

namespace {

int FdArg(const Napi::CallbackInfo& info) {
  return static_cast<int>(IntArg(info[0], "fd", 0, INT32_MAX));
}

#if !defined(_WIN32)
int FlockRetrying(int fd, int op) {
  int rc;
  do {
    rc = flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  return rc;
}
#endif

Napi::Value TryLockFile(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    const int fd = FdArg(info);
#if defined(_WIN32)
    throw CoreError(kErrInternal, "file locks (flock) are not available on Windows");
#else
    if (FlockRetrying(fd, LOCK_EX | LOCK_NB) == 0) return Napi::Boolean::New(info.Env(), true);
    if (errno == EWOULDBLOCK) return Napi::Boolean::New(info.Env(), false);
    throw CoreError("ERR_ENGINE_CACHE", std::string("flock failed: ") + std::strerror(errno));
#endif
  });
}

Napi::Value UnlockFile(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    const int fd = FdArg(info);
#if !defined(_WIN32)
    if (FlockRetrying(fd, LOCK_UN) != 0) throw CoreError("ERR_ENGINE_CACHE", std::string("flock(LOCK_UN) failed: ") + std::strerror(errno));
#endif
    return info.Env().Undefined();
  });
}

}  // namespace

void RegisterFileLock(Napi::Env env, Napi::Object exports) {
  exports.Set("tryLockFile", Napi::Function::New(env, TryLockFile, "tryLockFile"));
  exports.Set("unlockFile", Napi::Function::New(env, UnlockFile, "unlockFile"));
}

}  // namespace trtl
