// file list with library directories
lib_top.sv
-y lib
-y other
+libext+.sv+.v
