/** Data sets and their readers (CSV, IDX, CIFAR-10 binary), splits, feature scaling and downloads. */
package dev.softmax.data;
