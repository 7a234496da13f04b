*---------------------------------------------------------------------
* HELLO: a sample program for the monitor's RUN command. It is loaded
* at X'2000' from the reader, types two lines through the monitor's
* PUT routine (R9), adds 1 to 10 in a loop and returns the sum (55 =
* X'37') as its return code in R15.
*---------------------------------------------------------------------
HELLO    START X'2000'
         BALR  11,0
         USING *,11
         LA    3,MSG1
         LA    4,L'MSG1
         BALR  10,9
         SR    5,5                      sum
         LA    6,10                     counter
LOOP     AR    5,6
         BCT   6,LOOP
         LA    3,MSG2
         LA    4,L'MSG2
         BALR  10,9
         LR    15,5
         BR    14
MSG1     DC    C'HELLO FROM A PROGRAM RUN BY THE MONITOR'
MSG2     DC    C'THE SUM OF 1 TO 10 IS RETURNED IN R15'
         END   HELLO
