;; LZ4 block decoder (lz4_Block_format.md) in WebAssembly, for lz4-block-decoder.ts.
;;
;; Why WebAssembly: the native module's decoder hands back a new native buffer per call, which
;; V8 frees only at some later GC; under a stream of compressed produce requests those piled up
;; by tens of megabytes (and by gigabytes in a loop that never yields). Decoding into one
;; reused memory avoids that, and a JavaScript decoder ran 4x slower than native on JSON-like
;; data (short literals and matches), where this runs within reach of it.
;;
;; Compiled by `npm run gen:wasm` into lz4-block-decoder-wasm.ts (committed). The caller lays
;; out the memory: the compressed input, then at least 16 bytes, then the output region with at
;; least 16 bytes after its end. Short copies are done 8 bytes at a time and may read up to 16
;; bytes past a literal run and write up to 16 bytes past the current output position (bytes
;; that later output overwrites); the gaps keep those inside the memory and off the input.

(module
  (import "env" "memory" (memory 1))

  ;; Decodes the block input[ip, end) to output[op, ...), never writing decoded bytes at or past
  ;; outEnd. A match may refer back to windowStart at the earliest (the block's own start for
  ;; independent blocks, the frame's for linked ones). Returns the output position after the
  ;; block, or a negative error: -1 the block is truncated or overruns itself, -2 the output
  ;; would pass outEnd, -3 a match offset is 0 or reaches before windowStart.
  (func (export "decodeBlock")
    (param $ip i32) (param $end i32) (param $op i32) (param $outEnd i32) (param $windowStart i32)
    (result i32)
    (local $token i32) (local $length i32) (local $byte i32) (local $offset i32) (local $from i32) (local $stop i32)
    (local $distance i32) (local $prefixEnd i32)
    (loop $sequence
      ;; token: literal length in the high nibble, match length - 4 in the low one
      (if (i32.ge_u (local.get $ip) (local.get $end)) (then (return (i32.const -1))))
      (local.set $token (i32.load8_u (local.get $ip)))
      (local.set $ip (i32.add (local.get $ip) (i32.const 1)))

      (local.set $length (i32.shr_u (local.get $token) (i32.const 4)))
      (if (i32.eq (local.get $length) (i32.const 15))
        (then
          (loop $more
            (if (i32.ge_u (local.get $ip) (local.get $end)) (then (return (i32.const -1))))
            (local.set $byte (i32.load8_u (local.get $ip)))
            (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
            (local.set $length (i32.add (local.get $length) (local.get $byte)))
            (br_if $more (i32.eq (local.get $byte) (i32.const 255))))))

      ;; literals
      (if (i32.gt_u (local.get $length) (i32.sub (local.get $end) (local.get $ip))) (then (return (i32.const -1))))
      (if (i32.gt_u (local.get $length) (i32.sub (local.get $outEnd) (local.get $op))) (then (return (i32.const -2))))
      (if (i32.le_u (local.get $length) (i32.const 16))
        (then
          (i64.store (local.get $op) (i64.load (local.get $ip)))
          (i64.store offset=8 (local.get $op) (i64.load offset=8 (local.get $ip))))
        (else
          (memory.copy (local.get $op) (local.get $ip) (local.get $length))))
      (local.set $op (i32.add (local.get $op) (local.get $length)))
      (local.set $ip (i32.add (local.get $ip) (local.get $length)))

      ;; the last sequence is literals only
      (if (i32.eq (local.get $ip) (local.get $end)) (then (return (local.get $op))))

      ;; match: a 2-byte little-endian offset back into the output, then the length
      (if (i32.lt_u (i32.sub (local.get $end) (local.get $ip)) (i32.const 2)) (then (return (i32.const -1))))
      (local.set $offset (i32.load16_u (local.get $ip)))
      (local.set $ip (i32.add (local.get $ip) (i32.const 2)))
      (if (i32.or
            (i32.eqz (local.get $offset))
            (i32.gt_u (local.get $offset) (i32.sub (local.get $op) (local.get $windowStart))))
        (then (return (i32.const -3))))

      (local.set $length (i32.and (local.get $token) (i32.const 15)))
      (if (i32.eq (local.get $length) (i32.const 15))
        (then
          (loop $more
            (if (i32.ge_u (local.get $ip) (local.get $end)) (then (return (i32.const -1))))
            (local.set $byte (i32.load8_u (local.get $ip)))
            (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
            (local.set $length (i32.add (local.get $length) (local.get $byte)))
            (br_if $more (i32.eq (local.get $byte) (i32.const 255))))))
      (local.set $length (i32.add (local.get $length) (i32.const 4)))
      (if (i32.gt_u (local.get $length) (i32.sub (local.get $outEnd) (local.get $op))) (then (return (i32.const -2))))

      (local.set $from (i32.sub (local.get $op) (local.get $offset)))
      (local.set $stop (i32.add (local.get $op) (local.get $length)))
      (if (i32.ge_u (local.get $offset) (i32.const 8))
        (then
          (if (i32.and
                (i32.ge_u (local.get $offset) (local.get $length))
                (i32.gt_u (local.get $length) (i32.const 32)))
            (then
              ;; long and not overlapping itself: one bulk copy
              (memory.copy (local.get $op) (local.get $from) (local.get $length)))
            (else
              ;; 8 bytes at a time: each read ends at least 8 bytes back, so it reads only
              ;; bytes already decoded, even when the match overlaps its own output
              (loop $copy8
                (i64.store (local.get $op) (i64.load (local.get $from)))
                (local.set $op (i32.add (local.get $op) (i32.const 8)))
                (local.set $from (i32.add (local.get $from) (i32.const 8)))
                (br_if $copy8 (i32.lt_u (local.get $op) (local.get $stop)))))))
        (else
          ;; offsets 1-7 repeat a short pattern. Short matches: byte by byte. Long ones (runs of
          ;; one byte, say): the output repeats with period offset, so any multiple of offset is
          ;; as good a distance; after the first (distance - offset) bytes byte by byte, copy 8 at
          ;; a time from the smallest multiple that is at least 8.
          (if (i32.gt_u (local.get $length) (i32.const 16))
            (then
              (local.set $distance
                (i32.mul
                  (i32.div_u (i32.add (local.get $offset) (i32.const 7)) (local.get $offset))
                  (local.get $offset)))
              (local.set $prefixEnd (i32.add (local.get $from) (local.get $distance)))
              (loop $prefix
                (i32.store8 (local.get $op) (i32.load8_u (local.get $from)))
                (local.set $op (i32.add (local.get $op) (i32.const 1)))
                (local.set $from (i32.add (local.get $from) (i32.const 1)))
                (br_if $prefix (i32.lt_u (local.get $op) (local.get $prefixEnd))))
              (local.set $from (i32.sub (local.get $op) (local.get $distance)))
              (loop $repeat8
                (i64.store (local.get $op) (i64.load (local.get $from)))
                (local.set $op (i32.add (local.get $op) (i32.const 8)))
                (local.set $from (i32.add (local.get $from) (i32.const 8)))
                (br_if $repeat8 (i32.lt_u (local.get $op) (local.get $stop)))))
            (else
              (loop $copy1
                (i32.store8 (local.get $op) (i32.load8_u (local.get $from)))
                (local.set $op (i32.add (local.get $op) (i32.const 1)))
                (local.set $from (i32.add (local.get $from) (i32.const 1)))
                (br_if $copy1 (i32.lt_u (local.get $op) (local.get $stop))))))))
      (local.set $op (local.get $stop))
      (br $sequence))
    (unreachable)))
