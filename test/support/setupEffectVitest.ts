import { effect, flakyTest, it, layer, live, prop, scoped, scopedLive } from "@effect/vitest"

/**
 * Runs before every test file (vitest `setupFiles`). `@effect/vitest`'s `layer(...)` hands its
 * callback vitest's one global `it` after assigning the layer's testers onto it
 * (`it.effect = <runs in this layer's runtime>`), and never puts the originals back. In a
 * project without isolation the next file in the same worker imports that same `it`, so its
 * `it.effect` tests would run in the previous file's runtime: a closed scope, its services, and
 * its TestClock, already minutes on. Putting the package's own testers back here gives every
 * file the `it` it would get in a fresh worker.
 */
Object.assign(it, { effect, flakyTest, layer, live, prop, scoped, scopedLive })
