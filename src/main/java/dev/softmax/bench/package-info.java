/** Benchmarks of the hot paths as ratios to a memory floor measured in the same run. */
package dev.softmax.bench;
