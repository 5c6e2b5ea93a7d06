/** The trained classifier and the trainer that fits it (scaling, weights, warm start, early stopping). */
package dev.softmax.model;
