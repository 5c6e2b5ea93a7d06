/** PNG charts of optimizer runs and confusion matrices, drawn headless with XChart. */
package dev.softmax.plot;
