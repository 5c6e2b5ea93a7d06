/** Files: atomic writes, JSON, downloads, and the versioned model file format. */
package dev.softmax.io;
