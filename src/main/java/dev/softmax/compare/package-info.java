/** Side-by-side runs of several optimizers on one objective, and their report (table, CSV, JSON). */
package dev.softmax.compare;
