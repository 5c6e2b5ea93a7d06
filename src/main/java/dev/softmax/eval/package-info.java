/** Classification metrics: accuracy, log-loss, confusion matrix with per-class precision, recall and F1. */
package dev.softmax.eval;
